# Shortcuts; CI runs .ci/run.
.PHONY: test test-keyring ci

# The quick tests; the real-keyring ones skip without a Secret Service.
test:
	go test ./...

# Every test, against a private gnome-keyring in its own D-Bus session.
test-keyring:
	bash .ci/run with-keyring go test ./...

ci:
	bash .ci/run
