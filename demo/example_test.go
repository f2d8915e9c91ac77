package demo_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/demo"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

func ExampleSeed() {
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s := keyring.NewMemStore(func() time.Time { return now })
	demo.Seed(s, now)

	list, _ := s.List(ctx)
	q, _ := model.ParseQuery("is:due")
	var due []string
	for _, sec := range list {
		if q.Match(&sec, model.Env{Now: now}) {
			due = append(due, sec.Name)
		}
	}
	fmt.Println(len(list) >= 25, strings.Join(due, " "))
	// Output:
	// true GEMINI_API_KEY SPIDER_API_KEY SLACK_BOT_TOKEN STRIPE_WEBHOOK_SECRET AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}
