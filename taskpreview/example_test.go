package taskpreview_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/keyward/keyward/taskpreview"
)

const exampleTask = `name: Notify
tools:
  - name: slack
    type: api_call
    api_call:
      method: POST
      url: https://slack.com/api/chat.postMessage
      headers:
        Authorization: $ f'Bearer {secrets.SLACK_BOT_TOKEN}'
main:
  - tool: slack
    arguments:
      json:
        text: $ f"Deployed with key {secrets.DEPLOY_KEY[:4]}"
  - prompt: Summarise the deployment.
`

// store stands in for the keyring: the value function is called at most
// once per name and only to compute a mask.
func store() taskpreview.Lookup {
	values := map[string]string{"SLACK_BOT_TOKEN": "xoxb-0000-1111-abcd", "OPENAI_API_KEY": "sk-test-0000000000wxyz"}
	names := []string{"SLACK_BOT_TOKEN", "OPENAI_API_KEY", "DEPLOY_KEY_V2"}
	return taskpreview.NewLookup(names, func(name string) (string, error) {
		if v, ok := values[name]; ok {
			return v, nil
		}
		return "", errors.New("not readable")
	})
}

func ExamplePreview() {
	results, err := taskpreview.Preview("notify.yaml", []byte(exampleTask), taskpreview.Options{
		Model:  "gpt-4o-mini",
		Lookup: store(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ref := range results[0].References {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s %d:%d %s %s %s", ref.Name, ref.Path, ref.Line, ref.Column, ref.Kind, ref.Status, ref.Masked)))
	}
	fmt.Println(taskpreview.Judge([]taskpreview.FilePreview{{Path: "notify.yaml", Results: results}}).Missing)
	// Output:
	// SLACK_BOT_TOKEN tools[0].api_call.headers.Authorization 9:36 fstring resolved ••••••••abcd
	// DEPLOY_KEY main[0].arguments.json.text 14:38 fstring missing
	// OPENAI_API_KEY main[1] 15:5 llm_provider resolved ••••••••wxyz
	// [DEPLOY_KEY]
}

func ExampleWriteText() {
	results, _ := taskpreview.Preview("notify.yaml", []byte(exampleTask), taskpreview.Options{Model: "gpt-4o-mini", Lookup: store()})
	var b strings.Builder
	_ = taskpreview.WriteText(&b, results)
	fmt.Println(strings.SplitN(b.String(), "\n", 3)[1])
	// Output:
	//   3 references · 2 resolved · 1 missing · 2 warnings
}

func ExampleWriteJSON() {
	// An empty store, checked by name only: FLAG is missing, but .get()
	// makes it optional, so it does not fail the preview.
	empty := taskpreview.NewLookup(nil, nil)
	results, _ := taskpreview.Preview("t.yaml", []byte("name: t\nmain:\n  - log: $ secrets.get('FLAG')\n"), taskpreview.Options{Lookup: empty, NamesOnly: true})
	results[0].Warnings = nil // keep the example short
	_ = taskpreview.WriteJSON(os.Stdout, []taskpreview.FilePreview{{Path: "t.yaml", Results: results}})
	// Output:
	// [
	//   {
	//     "file": "t.yaml",
	//     "model": "",
	//     "references": [
	//       {
	//         "name": "FLAG",
	//         "kind": "expr_get",
	//         "path": "main[0].log",
	//         "phase": "step",
	//         "line": 3,
	//         "column": 12,
	//         "optional": true,
	//         "invalid_name": false,
	//         "status": "missing",
	//         "masked": "",
	//         "suggestion": "",
	//         "guard": "",
	//         "counts_as": "optional_missing",
	//         "fails": false
	//       }
	//     ],
	//     "dynamic": [],
	//     "inert": [],
	//     "warnings": [],
	//     "summary": {
	//       "references": 1,
	//       "resolved": 0,
	//       "required_missing": 0,
	//       "optional_missing": 1,
	//       "guarded_missing": 0,
	//       "unreadable": 0,
	//       "unchecked": 0,
	//       "warnings": 0
	//     },
	//     "names_only": true
	//   }
	// ]
}

func ExampleRendering() {
	results, _ := taskpreview.Preview("notify.yaml", []byte(exampleTask), taskpreview.Options{Lookup: store()})
	for _, l := range results[0].Rendering.Lines {
		if l.Source == 9 || l.Source == 14 {
			fmt.Println(strings.TrimSpace(l.Text))
			for _, s := range l.Spans {
				fmt.Printf("  %s %s\n", s.State, l.Text[s.Start:s.End])
			}
		}
	}
	// Output:
	// Authorization: Bearer ••••••••abcd
	//   resolved ••••••••abcd
	// text: Deployed with key {⟨missing: DEPLOY_KEY⟩[:4]}
	//   missing ⟨missing: DEPLOY_KEY⟩
}

func ExampleProviderKey() {
	for _, m := range []taskpreview.Mapping{taskpreview.MappingCurrent, taskpreview.MappingLegacy} {
		name, known := taskpreview.ProviderKey(m, "claude-sonnet-4")
		fmt.Println(m, name, known)
	}
	_, known := taskpreview.ProviderKey(taskpreview.MappingCurrent, "GPT-4o")
	fmt.Println(known)
	// Output:
	// current BEDROCK_API_KEY true
	// legacy ANTHROPIC_API_KEY true
	// false
}

func ExampleCheckManifest() {
	results, _ := taskpreview.Preview("notify.yaml", []byte(exampleTask), taskpreview.Options{})
	manifest := []byte("secrets:\n  - {name: SLACK_BOT_TOKEN, link: https://api.slack.com}\n  - {name: SPIDER_API_KEY, link: https://spider.cloud}\n")
	rep, err := taskpreview.CheckManifest(manifest, taskpreview.UsedNames(results))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("unused:", rep.Unused)
	fmt.Println("undeclared:", rep.Undeclared)
	// Output:
	// unused: [SPIDER_API_KEY]
	// undeclared: [DEPLOY_KEY]
}

func ExampleUsedBy() {
	results, _ := taskpreview.Preview("notify.yaml", []byte(exampleTask), taskpreview.Options{Model: "gpt-4o"})
	for _, u := range taskpreview.UsedBy(results)["SLACK_BOT_TOKEN"] {
		fmt.Println(u.File, u.Path)
	}
	// Output:
	// notify.yaml tools[0].api_call.headers.Authorization
}

func ExampleError() {
	_, err := taskpreview.Preview("bad.yaml", []byte("name: x\nmain:\n  - log: @oops\n"), taskpreview.Options{})
	var pe *taskpreview.Error
	if errors.As(err, &pe) && errors.Is(err, taskpreview.ErrSyntax) {
		fmt.Println(pe.Line, pe.Column)
	}
	_, err = taskpreview.Preview("agent.yaml", []byte("model: gpt-4o\n"), taskpreview.Options{})
	fmt.Println(errors.Is(err, taskpreview.ErrNotTask))
	// Output:
	// 3 10
	// true
}
