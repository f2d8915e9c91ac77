package importfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// dotenvQuote is the one quoting rule of written .env values: double
// quotes, with exactly the escapes ParseDotenv reads (\\ \" \$ \n \r \t),
// so every value comes back byte for byte, on one line.
var dotenvQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

// FormatDotenv writes entries as a .env file that ParseDotenv reads back
// to the same names and values. Descriptions and metadata are not written.
func FormatDotenv(entries []Entry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(e.Name)
		b.WriteString(`="`)
		dotenvQuote.WriteString(&b, e.Value)
		b.WriteString("\"\n")
	}
	return b.Bytes()
}

// FormatJSON writes entries as the JSON array of {name, value,
// description, metadata} that ParseJSON reads. JSON strings hold only
// UTF-8, so a value that is not valid UTF-8 is an error that names the
// entry (never the value).
func FormatJSON(entries []Entry) ([]byte, error) {
	type item struct {
		Name        string            `json:"name"`
		Value       string            `json:"value"`
		Description string            `json:"description,omitempty"`
		Metadata    map[string]string `json:"metadata,omitempty"`
	}
	items := make([]item, len(entries))
	for i, e := range entries {
		if !utf8.ValidString(e.Value) {
			return nil, fmt.Errorf("%s: the value is not valid UTF-8, which JSON cannot hold; use the env format", e.Name)
		}
		items[i] = item{e.Name, e.Value, e.Description, e.Metadata}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(items); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
