package outmask_test

import (
	"fmt"
	"os"

	"github.com/keyward/keyward/outmask"
)

func Example() {
	m := outmask.New([]outmask.Secret{{Name: "API_KEY", Value: "sk-live-1234567890"}, {Name: "PIN", Value: "1234"}})
	fmt.Println("not masked:", m.Short())
	w := m.Writer(os.Stdout)
	// A value split across writes is still caught.
	fmt.Fprint(w, "key=sk-live-12345")
	fmt.Fprint(w, "67890 b64=c2stbGl2ZS0xMjM0NTY3ODkw pin=1234\n")
	w.Close()
	// Output:
	// not masked: [PIN]
	// key=<keyward:API_KEY> b64=<keyward:API_KEY> pin=1234
}
