// Package taskpreview shows, before anything runs, which secrets a Julep v1
// task definition reads, where, whether each one exists in the store, and
// what the strings Julep builds from them look like with the values masked.
//
// It is a pure package: the caller passes the task's bytes and a [Lookup]
// onto the store, and gets back a [Result] per YAML document with every
// reference (with its path, line and column, kind and phase), the dynamic
// and whole-map accesses, the reference-shaped text Julep never evaluates,
// warnings with stable codes, and a masked rendering of the task text.
//
// The rules follow how Julep's agents-api really evaluates task strings
// (see JULEP.md §2–§6, with the upstream files and commit it rests on): strings that start with
// "$ " are Python expressions, strings containing "{{" are legacy
// templates, some legacy data-access forms get "$ " prepended, and every
// other string is an implicit f-string. A real tokenizer for the Python
// expression subset and f-strings finds the free name secrets; regular
// expressions are never run over whole strings.
//
// A Julep 3 project's pyproject.toml and julep.toml are read by
// [PreviewJulep3]: their whole-string secret://NAME MCP header values are
// references too (JULEP.md §9).
//
// Values are read through the Lookup at most once per [Preview] call and
// only to compute their mask with model.Mask; no plaintext value is kept in
// a Result or written by any formatter.
package taskpreview
