package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/keyward/keyward/ui/internal/cells"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyward/keyward/model"
	"github.com/keyward/keyward/ui/tasks"
)

// formKind says what a form is for.
type formKind int

const (
	formNew    formKind = iota // n: every field
	formEdit                   // e: record fields, never the value
	formRotate                 // r: the value only
	formImport                 // i in the tasks view: a literal from a task file
)

type fieldID int

const (
	fieldName fieldID = iota
	fieldValue
	fieldDescription
	fieldMetadata
	fieldPolicy
)

var fieldLabels = map[fieldID]string{
	fieldName: "Name", fieldValue: "Value", fieldDescription: "Description",
	fieldMetadata: "Metadata", fieldPolicy: "Rotate every",
}

// secretInput is the value field. It never echoes the value, not even as one
// bullet per character (that would give away its length), and, unlike
// textinput, keeps pasted newlines, so PEM keys survive.
type secretInput struct {
	buf       []byte
	generated bool
	spec      model.GenSpec // how it was generated, when generated
}

func (s *secretInput) set(v string, generated bool) {
	s.wipe()
	s.buf = append(s.buf, v...)
	s.generated = generated
}

// genSpec is how the value was generated, for the record; nil for a value
// typed or pasted.
func (s *secretInput) genSpec() *model.GenSpec {
	if !s.generated {
		return nil
	}
	g := s.spec
	return &g
}

func (s *secretInput) value() string { return string(s.buf) }

// wipe overwrites the buffer before dropping it. Copies made by string
// conversions are out of reach, but the form's own buffer does not linger.
func (s *secretInput) wipe() {
	for i := range s.buf {
		s.buf[i] = 0
	}
	s.buf = s.buf[:0]
	s.generated = false
}

func (s *secretInput) update(msg tea.Msg, k *keyMap) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.DeleteBack):
			if len(s.buf) > 0 {
				// Drop the last UTF-8 sequence.
				i := len(s.buf) - 1
				for i > 0 && s.buf[i]&0xC0 == 0x80 {
					i--
				}
				for j := i; j < len(s.buf); j++ {
					s.buf[j] = 0
				}
				s.buf = s.buf[:i]
			}
			s.generated = false
		case key.Matches(msg, k.ClearField):
			s.wipe()
		case msg.Text != "":
			s.buf = append(s.buf, msg.Text...)
			s.generated = false
		}
	case tea.PasteMsg:
		s.buf = appendNormalised(s.buf, msg.Content)
		s.generated = false
	}
}

// appendNormalised appends a pasted text with its line endings made \n:
// terminals paste a newline as \r (tmux turns every LF into CR), and a
// Windows clipboard gives \r\n, either of which would corrupt a PEM key.
func appendNormalised(buf []byte, text string) []byte {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\r' && i+1 < len(text) && text[i+1] == '\n':
			// the \n comes next
		case c == '\r':
			buf = append(buf, '\n')
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

// lines is the number of lines of the value, not counting a final
// newline.
func (s *secretInput) lines() int {
	n := 1
	for i, c := range s.buf {
		if c == '\n' && i < len(s.buf)-1 {
			n++
		}
	}
	return n
}

// form is the new-secret, edit and rotate form. Every change is validated as
// the user types.
type form struct {
	kind   formKind
	orig   model.Secret // the record being edited or rotated
	fields []fieldID
	focus  int
	name   textinput.Model
	value  secretInput
	desc   textinput.Model
	meta   textarea.Model
	policy textinput.Model
	errs   map[fieldID]string
	warns  map[fieldID]string // saved anyway, but probably not meant
	// touched fields show their errors; all do after a save was tried.
	touched   map[fieldID]bool
	submitted bool
	saveErr   string // the store's last refusal, shown until the next edit
	genSeq    int    // the generate request this form waits for
	saving    bool
	source    string        // formImport: where the literal is, and its mask
	literal   tasks.Literal // formImport: the literal to store
	// A rotation session's step ("2 of 3") and what the form says of the
	// secret (age, use); empty outside a session.
	step, about string
}

func newInput(placeholder string, width int) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	st := in.Styles()
	st.Cursor.Blink = false // no blinking: nothing animates, golden screens stay still
	in.SetStyles(st)
	in.SetWidth(width)
	return in
}

// genSettings is what ctrl+g generates to: in the rotate form, the spec the
// current value was generated with, when it was (issue 13); else the
// default.
func (f *form) genSettings() model.GenSpec {
	if f.kind == formRotate && f.orig.Generated != nil {
		return *f.orig.Generated
	}
	return model.GenSpec{Length: model.DefaultGenerateLength}
}

func newForm(kind formKind, orig model.Secret, width int) *form {
	f := &form{kind: kind, orig: orig.Clone(), errs: map[fieldID]string{}, warns: map[fieldID]string{}, touched: map[fieldID]bool{}}
	inW := max(10, width)
	f.name = newInput("e.g. STRIPE_API_KEY", inW)
	f.desc = newInput("what it is for, who owns it", inW)
	f.policy = newInput("e.g. 90d, 12w or 36h; none for no policy", inW)
	f.meta = textarea.New()
	f.meta.Prompt = ""
	f.meta.ShowLineNumbers = false
	f.meta.Placeholder = "key=value, one per line"
	ms := f.meta.Styles()
	ms.Cursor.Blink = false
	f.meta.SetStyles(ms)
	f.meta.SetWidth(inW)
	f.meta.SetHeight(3)
	switch kind {
	case formNew:
		f.fields = []fieldID{fieldName, fieldValue, fieldDescription, fieldMetadata, fieldPolicy}
	case formEdit:
		f.fields = []fieldID{fieldName, fieldDescription, fieldMetadata, fieldPolicy}
		f.name.SetValue(orig.Name)
		f.desc.SetValue(orig.Description)
		var lines []string
		for _, k := range model.SortedKeys(orig.Metadata) {
			lines = append(lines, k+"="+orig.Metadata[k])
		}
		// A fresh line after the pairs: what the user types is a new
		// pair, not the end of the last one's value.
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		f.meta.SetHeight(min(8, max(3, len(lines))))
		f.meta.SetValue(strings.Join(lines, "\n"))
		f.policy.SetValue(orig.RotateEvery.String())
	case formRotate:
		f.fields = []fieldID{fieldValue}
	case formImport:
		f.fields = []fieldID{fieldName, fieldDescription, fieldMetadata, fieldPolicy}
	}
	f.focusField(0)
	return f
}

func (f *form) setWidth(w int) {
	w = max(10, w)
	f.name.SetWidth(w)
	f.desc.SetWidth(w)
	f.policy.SetWidth(w)
	f.meta.SetWidth(w)
}

func (f *form) current() fieldID { return f.fields[f.focus] }

func (f *form) focusField(i int) {
	f.focus = (i + len(f.fields)) % len(f.fields)
	f.name.Blur()
	f.desc.Blur()
	f.policy.Blur()
	f.meta.Blur()
	switch f.current() {
	case fieldName:
		f.name.Focus()
	case fieldDescription:
		f.desc.Focus()
	case fieldPolicy:
		f.policy.Focus()
	case fieldMetadata:
		f.meta.Focus()
	}
}

func (f *form) hasValue() bool {
	return f.kind == formNew || f.kind == formRotate
}

// update sends msg to the focused field. Form-level keys (save, cancel,
// next field, generate) are handled by the app before this.
func (f *form) update(msg tea.Msg, k *keyMap) tea.Cmd {
	var cmd tea.Cmd
	if _, ok := msg.(tea.KeyPressMsg); ok {
		f.touched[f.current()] = true
	}
	if _, ok := msg.(tea.PasteMsg); ok {
		f.touched[f.current()] = true
	}
	switch f.current() {
	case fieldName:
		f.name, cmd = f.name.Update(msg)
	case fieldValue:
		f.value.update(msg, k)
	case fieldDescription:
		f.desc, cmd = f.desc.Update(msg)
	case fieldMetadata:
		f.meta, cmd = f.meta.Update(msg)
	case fieldPolicy:
		f.policy, cmd = f.policy.Update(msg)
	}
	f.saveErr = ""
	return cmd
}

// parseMetadata reads the metadata field's key=value lines with the one
// rule of model.ParseMetadata, naming the line of a bad pair.
func parseMetadata(text string) (map[string]string, error) {
	md, err := model.ParseMetadata(strings.Split(text, "\n"))
	var me *model.MetadataError
	if errors.As(err, &me) {
		msg := me.Err.Error()
		if ve, ok := me.Err.(*model.ValidationError); ok {
			msg = ve.Msg
		}
		return nil, fmt.Errorf("metadata line %d: %s", me.Index, msg)
	}
	return md, err
}

// validate checks every field against keyward's rules and the names already
// taken (exists reports a name in the index).
func (f *form) validate(exists func(string) bool) {
	f.errs = map[fieldID]string{}
	if f.kind != formRotate {
		name := f.name.Value()
		if err := model.ValidateName(name); err != nil {
			f.errs[fieldName] = err.Error()
		} else if name != f.orig.Name && exists(name) {
			f.errs[fieldName] = fmt.Sprintf("name: %s already exists", name)
		}
		f.warns = map[fieldID]string{}
		if md, err := parseMetadata(f.meta.Value()); err != nil {
			f.errs[fieldMetadata] = err.Error()
		} else if w := metadataWarning(md); w != "" {
			f.warns[fieldMetadata] = w
		}
		if _, err := model.ParsePolicy(f.policy.Value()); err != nil {
			f.errs[fieldPolicy] = err.Error()
		}
		// A description an older keyward kept past today's limits may
		// stay as it is: only a changed one is held to them.
		s := model.Secret{Name: name, Description: f.desc.Value()}
		if err := s.Validate(); err != nil && f.errs[fieldName] == "" && s.Description != f.orig.Description {
			if ve, ok := err.(*model.ValidationError); ok && ve.Field == "description" {
				f.errs[fieldDescription] = err.Error()
			}
		}
		if d := f.desc.Value(); model.Visible(d) != d {
			f.warns[fieldDescription] = "it has invisible characters, shown as \\u…: they are kept as they are"
		}
	}
	if f.hasValue() {
		if len(f.value.buf) == 0 {
			f.errs[fieldValue] = "value: type or paste one, or press ctrl+g to generate"
		} else if err := model.ValidateValue(f.value.value()); err != nil {
			f.errs[fieldValue] = err.Error() // never contains the value
		}
	}
}

func (f *form) valid() bool { return len(f.errs) == 0 }

// metadataWarning notes a value holding "=": most likely two pairs typed
// on one line, which would be saved as one.
func metadataWarning(md map[string]string) string {
	for _, k := range model.SortedKeys(md) {
		if strings.Contains(md[k], "=") {
			return "the value of " + k + " holds \"=\": put each key=value pair on a line of its own"
		}
	}
	return ""
}

// shows reports whether the field's error is on screen: once the user has
// typed into it, or tried to save.
func (f *form) shows(id fieldID) bool { return f.submitted || f.touched[id] }

func (f *form) policyValue() model.Duration {
	d, _ := model.ParsePolicy(f.policy.Value())
	return d
}

// secret is the record a new-secret form describes.
func (f *form) secret() model.Secret {
	md, _ := parseMetadata(f.meta.Value())
	return model.Secret{Name: f.name.Value(), Description: f.desc.Value(), Metadata: md, RotateEvery: f.policyValue()}
}

// patch is the change an edit form makes: only the fields the user changed,
// so a concurrent change to another field by another process survives.
func (f *form) patch() model.Patch {
	var p model.Patch
	if d := f.desc.Value(); d != f.orig.Description {
		p.Description = &d
	}
	md, _ := parseMetadata(f.meta.Value())
	for k, v := range md {
		if old, ok := f.orig.Metadata[k]; !ok || old != v {
			if p.SetMetadata == nil {
				p.SetMetadata = map[string]string{}
			}
			p.SetMetadata[k] = v
		}
	}
	for _, k := range model.SortedKeys(f.orig.Metadata) {
		if _, ok := md[k]; !ok {
			p.UnsetMetadata = append(p.UnsetMetadata, k)
		}
	}
	if pol := f.policyValue(); pol != f.orig.RotateEvery {
		p.RotateEvery = &pol
	}
	if n := f.name.Value(); n != f.orig.Name {
		p.Rename = n
	}
	// The store compares, under its lock, with the record this form was
	// opened on: a field changed elsewhere since is not overwritten
	// (issue 11, item 15).
	base := f.orig.Clone()
	p.Base = &base
	return p
}

func (f *form) title() string {
	switch f.kind {
	case formEdit:
		return "Edit " + model.Printable(f.orig.Name)
	case formRotate:
		if f.step != "" {
			return "Rotate " + model.Printable(f.orig.Name) + " · " + f.step
		}
		return "Rotate " + model.Printable(f.orig.Name)
	case formImport:
		return "Import a literal credential"
	}
	return "New secret"
}

// view renders the form at width w (content width, inside the box).
func (f *form) view(st *styles, w int) string {
	rows, _, _ := f.rows(st, w)
	return strings.Join(rows, "\n")
}

// rows renders the form's rows at width w, and says which rows hold the
// focused field (with its error), so a short terminal can keep it in view.
func (f *form) rows(st *styles, w int) (b []string, from, to int) {
	const labelW = 13
	inW := max(10, w-labelW-1)
	b = append(b, st.title.Render(f.title()), "")
	switch {
	case f.step != "":
		text := model.Printable(f.about) + "\n" + "Enter or generate a value, or ctrl+x to skip it; nothing is written before one y/N for all."
		for _, l := range strings.Split(ansi.Wordwrap(text, w, " "), "\n") {
			b = append(b, st.dim.Render(l))
		}
		b = append(b, "")
	case f.kind == formRotate:
		b = append(b, st.dim.Render("The current value is kept, so R can roll back to it."), "")
	}
	if f.kind == formImport {
		b = append(b, st.dim.Render(ansi.Truncate("From "+model.Printable(f.source), w, "…")),
			st.dim.Render("The literal becomes the value; it is never shown."), "")
	}
	for i, id := range f.fields {
		focused := i == f.focus
		if focused {
			from = len(b)
		}
		label := cells.Fit(fieldLabels[id], labelW)
		if focused {
			label = st.cursorMark.Render(label)
		} else {
			label = st.label.Render(label)
		}
		var body string
		switch id {
		case fieldName:
			body = f.name.View()
		case fieldDescription:
			body = f.desc.View()
		case fieldPolicy:
			body = f.policy.View()
		case fieldMetadata:
			f.meta.SetWidth(inW)
			body = f.meta.View()
		case fieldValue:
			// The cursor is where typed text goes: after the mask.
			cursor := ""
			if focused {
				cursor = st.cursor.Render(" ")
			}
			switch {
			case len(f.value.buf) == 0:
				body = cursor + st.dim.Render("type or paste; ctrl+g generates")
			case f.value.generated:
				body = st.masked.Render("••••••••") + cursor + st.dim.Render("  generated")
			default:
				note := "  entered"
				if n := f.value.lines(); n > 1 {
					note += " · " + model.Count(n, "line")
				}
				body = st.masked.Render("••••••••") + cursor + st.dim.Render(note)
			}
		}
		// Typed or pasted text can hold characters that reorder or hide
		// what follows (issue 11, item 10): shown escaped, as everywhere.
		lines := strings.Split(body, "\n")
		for j, l := range lines {
			l = visibleLine(l)
			if j == 0 {
				b = append(b, label+" "+l)
			} else {
				b = append(b, strings.Repeat(" ", labelW+1)+l)
			}
		}
		if e := f.errs[id]; e != "" && f.shows(id) {
			for _, l := range strings.Split(ansi.Wrap(model.Printable(e), inW, " "), "\n") {
				b = append(b, strings.Repeat(" ", labelW+1)+st.fieldError.Render(l))
			}
		} else if w := f.warns[id]; w != "" {
			for _, l := range strings.Split(ansi.Wrap(model.Printable(w), inW, " "), "\n") {
				b = append(b, strings.Repeat(" ", labelW+1)+st.due.Render(l))
			}
		}
		if focused {
			to = len(b)
		}
	}
	if f.saveErr != "" {
		// Wrapped, not cut: a refusal says what to do at its end.
		b = append(b, "")
		for _, l := range strings.Split(ansi.Wrap(model.Printable(f.saveErr), w, " "), "\n") {
			b = append(b, st.statusError.Render(l))
		}
	}
	if f.saving {
		b = append(b, "", st.dim.Render("saving…"))
	}
	return b, from, to
}

// visibleLine is a rendered input line with its invisible characters
// escaped (model.Visible); an escape is wider than the character, so as
// many of the input's padding spaces at the end go, and the line keeps its
// width when the text leaves room.
func visibleLine(l string) string {
	v := model.Visible(l)
	for over := ansi.StringWidth(v) - ansi.StringWidth(l); over > 0; over-- {
		i := strings.LastIndexByte(v, ' ')
		if i < 0 || ansi.StringWidth(v[i+1:]) != 0 {
			break
		}
		v = v[:i] + v[i+1:]
	}
	return v
}

// close wipes the value buffer.
func (f *form) close() { f.value.wipe() }
