package model_test

import (
	"fmt"
	"time"

	"github.com/keyward/keyward/model"
)

func ExampleMask() {
	fmt.Println(model.Mask("sk-proj-0123456789abcdefWXYZ"))
	fmt.Println(model.Mask("short"))
	// Output:
	// ••••••••WXYZ
	// ••••••••
}

func ExampleParseQuery() {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	s := model.Secret{
		Name:        "STRIPE_SECRET_KEY",
		Metadata:    map[string]string{"env": "prod", "owner": "payments team"},
		CreatedAt:   now.Add(-120 * model.Day),
		RotateEvery: model.Duration(90 * model.Day),
	}
	for _, q := range []string{`stripe owner="payments team"`, "env!=prod", "is:due age>90d"} {
		query, err := model.ParseQuery(q)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-30s %v\n", q, query.Match(&s, model.Env{Now: now}))
	}
	_, err := model.ParseQuery("env=prod age>soon")
	fmt.Println(err)
	// Output:
	// stripe owner="payments team"   true
	// env!=prod                      false
	// is:due age>90d                 true
	// filter: column 10: age>soon: age needs a duration such as age>90d or age<7d (units h, d, w)
}

func ExampleValidateName() {
	fmt.Println(model.ValidateName("OPENAI_API_KEY"))
	fmt.Println(model.ValidateName("openai-key"))
	// Output:
	// <nil>
	// name: "openai-key" has "-" at position 7; only letters, digits and _ are allowed
}

func ExampleParseDuration() {
	d, _ := model.ParseDuration("14d")
	fmt.Println(d, time.Duration(d))
	// Output: 2w 336h0m0s
}
