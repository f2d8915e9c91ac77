// Package demo is keyward's --demo data: a realistic team's secrets in an
// in-memory store, and sample Julep tasks that reference them. Nothing in it
// is saved anywhere.
package demo

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// demoSecret is one row of the --demo data set. Times are days before now;
// rotated 0 means never rotated.
type demoSecret struct {
	name, description       string
	env, owner, service     string
	created, rotated, every int // days; every 0 means no policy
	version                 int
	value                   func(name string) string
	hasPrevious             bool
}

// demoSecrets is what a team using Julep might keep: model provider keys,
// tool keys, chat and payment tokens, databases, across prod, staging and
// dev, owned by a few teams. Several are due for rotation.
var demoSecrets = []demoSecret{
	{"OPENAI_API_KEY", "OpenAI key for the production agents", "prod", "ml", "openai", 400, 30, 90, 4, demoKey("sk-demo-proj-", 48), true},
	{"OPENAI_API_KEY_STAGING", "OpenAI key for staging agents; low rate limit", "staging", "ml", "openai", 60, 0, 90, 1, demoKey("sk-demo-proj-", 48), false},
	{"GEMINI_API_KEY", "Google Gemini for long-context summarization", "prod", "ml", "google-ai", 210, 120, 90, 2, demoKey("AIzaDemo", 31), true},
	{"ANTHROPIC_API_KEY", "Claude for the support agent", "prod", "ml", "anthropic", 150, 10, 90, 3, demoKey("sk-ant-demo-", 64), true},
	{"MISTRAL_API_KEY", "Mistral, fallback model for classification", "dev", "ml", "mistral", 60, 0, 0, 1, demoKey("demo", 32), false},
	{"HUGGINGFACE_TOKEN", "Read token for private model weights", "dev", "ml", "huggingface", 300, 0, 365, 1, demoKey("hf_demo", 34), false},
	{"BRAVE_API_KEY", "Brave Search, used by the web-search tool", "prod", "platform", "brave", 250, 40, 90, 2, demoKey("BSAdemo", 27), true},
	{"SPIDER_API_KEY", "Spider crawler for the browse tool", "prod", "platform", "spider", 95, 0, 90, 1, demoKey("sk-demo-spider-", 32), false},
	{"SPIDER_API_KEY_DEV", "Spider crawler, developer sandbox", "dev", "platform", "spider", 40, 0, 0, 1, demoKey("sk-demo-spider-", 32), false},
	{"SLACK_BOT_TOKEN", "Slack bot that posts agent run summaries to #ops", "prod", "platform", "slack", 500, 200, 180, 3, demoSlack, true},
	{"SLACK_SIGNING_SECRET", "Verifies Slack slash-command requests", "prod", "platform", "slack", 500, 0, 730, 1, demoKey("", 32), false},
	{"STRIPE_SECRET_KEY", "Stripe live secret key", "prod", "payments", "stripe", 700, 80, 90, 5, demoKey("sk_live_demo", 40), true},
	{"STRIPE_SECRET_KEY_STAGING", "Stripe test-mode key for staging checkout", "staging", "payments", "stripe", 700, 0, 0, 1, demoKey("sk_test_demo", 40), false},
	{"STRIPE_WEBHOOK_SECRET", "Signs Stripe webhooks to /billing/hooks", "prod", "payments", "stripe", 420, 400, 365, 2, demoKey("whsec_demo", 32), true},
	{"PAYPAL_CLIENT_SECRET", "PayPal REST app for EU invoices", "prod", "payments", "paypal", 330, 0, 365, 1, demoKey("EDemo", 60), false},
	{"GITHUB_TOKEN", "Fine-grained token for the release workflow", "prod", "platform", "github", 120, 20, 30, 4, demoKey("github_pat_demo_", 59), true},
	{"AWS_ACCESS_KEY_ID", "Deploy user for the agents' S3 buckets", "prod", "platform", "aws", 600, 0, 90, 1, demoUpper("AKIADEMO", 12), false},
	{"AWS_SECRET_ACCESS_KEY", "Deploy user secret; rotate with AWS_ACCESS_KEY_ID", "prod", "platform", "aws", 600, 0, 90, 1, demoB64(30), false},
	{"DATABASE_URL", "Primary Postgres (read-write)", "prod", "platform", "postgres", 800, 60, 180, 3, demoDatabase("db.prod.internal"), true},
	{"DATABASE_URL_STAGING", "Staging Postgres; reset weekly", "staging", "platform", "postgres", 300, 0, 0, 1, demoDatabase("db.staging.internal"), false},
	{"REDIS_URL", "Queue and cache", "prod", "platform", "redis", 450, 0, 0, 1, demoRedis, false},
	{"SENTRY_DSN", "Error reporting for the API", "prod", "platform", "sentry", 900, 0, 0, 1, demoSentry, false},
	{"DATADOG_API_KEY", "Metrics and APM", "prod", "platform", "datadog", 240, 0, 365, 1, demoKey("", 32), false},
	{"PINECONE_API_KEY", "Vector index for agent memory", "prod", "ml", "pinecone", 200, 0, 365, 1, demoKey("pcsk_demo_", 40), false},
	{"WANDB_API_KEY", "Experiment tracking", "dev", "ml", "wandb", 365, 0, 0, 1, demoKey("", 40), false},
	{"SENDGRID_API_KEY", "Transactional email: receipts, password resets", "prod", "growth team", "sendgrid", 150, 0, 180, 1, demoKey("SG.demo.", 50), false},
	{"SEGMENT_WRITE_KEY", "Product analytics events from the web app", "prod", "growth team", "segment", 500, 0, 0, 1, demoKey("", 32), false},
	{"HUBSPOT_ACCESS_TOKEN", "CRM sync of trial sign-ups", "staging", "growth team", "hubspot", 45, 0, 90, 1, demoKey("pat-demo-", 36), false},
	{"MIXPANEL_TOKEN", "Funnel analytics (public project token)", "dev", "growth team", "mixpanel", 30, 0, 0, 1, func(string) string { return "mp-demo1" }, false},
	{"JWT_SIGNING_KEY", "Signs session tokens; rotating logs everyone out", "prod", "platform", "auth", 365, 340, 365, 2, demoKey("", 64), true},
	{"DEPLOY_SSH_KEY", "Private key the CI deploy step uses (multi-line)", "prod", "platform", "ci", 300, 0, 365, 1, demoPEM, false},
}

// SeedDemo fills m with the --demo data set: about thirty secrets with
// realistic names, descriptions and metadata (env, owner, service), some with
// a rotation policy and a few due for rotation at now, and some rotated
// before, with a previous value so rollback works. The values are fake
// ("demo" is in each) but look like the real thing. The same now gives the
// same data.
func Seed(m *keyring.MemStore, now time.Time) {
	now = now.UTC().Truncate(time.Second)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * model.Day) }
	for _, d := range demoSecrets {
		s := model.Secret{
			Name:        d.name,
			Description: d.description,
			Metadata:    map[string]string{"env": d.env, "owner": d.owner, "service": d.service},
			CreatedAt:   ago(d.created),
			UpdatedAt:   ago(d.created),
			Version:     d.version,
			RotateEvery: model.Duration(time.Duration(d.every) * model.Day),
		}
		if d.rotated > 0 {
			s.RotatedAt = ago(d.rotated)
			s.UpdatedAt = s.RotatedAt
		}
		m.Put(s, d.value(d.name))
		if d.hasPrevious {
			m.PutPrevious(d.name, d.value(d.name+"@previous"))
		}
	}
}

// demoHex is a deterministic stand-in for random characters.
func demoHex(seed string, n int) string {
	var out strings.Builder
	for i := 0; out.Len() < n; i++ {
		sum := sha256.Sum256([]byte(seed + string(rune('a'+i))))
		out.WriteString(hex.EncodeToString(sum[:]))
	}
	return out.String()[:n]
}

func demoKey(prefix string, n int) func(string) string {
	return func(seed string) string {
		if prefix == "" {
			return "demo" + demoHex(seed, n-4)
		}
		return prefix + demoHex(seed, n)
	}
}

func demoUpper(prefix string, n int) func(string) string {
	return func(seed string) string { return prefix + strings.ToUpper(demoHex(seed, n)) }
}

func demoB64(n int) func(string) string {
	return func(seed string) string {
		sum := sha256.Sum256([]byte(seed))
		return "demo/" + base64.RawStdEncoding.EncodeToString(sum[:])[:n]
	}
}

func demoSlack(seed string) string {
	return "xoxb-demo-" + demoHex(seed, 12) + "-" + demoHex(seed+"2", 13) + "-" + demoHex(seed+"3", 24)
}

func demoDatabase(host string) func(string) string {
	return func(seed string) string {
		return "postgres://app:demo-" + demoHex(seed, 20) + "@" + host + ":5432/app?sslmode=require"
	}
}

func demoRedis(seed string) string {
	return "rediss://default:demo-" + demoHex(seed, 24) + "@cache.prod.internal:6380/0"
}

func demoSentry(seed string) string {
	return "https://demo" + demoHex(seed, 28) + "@o4504.ingest.sentry.io/4505"
}

func demoPEM(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	body := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string(sum[:]), 4)))
	return "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
		"demo" + body[:60] + "\n" + body[60:124] + "\n" +
		"-----END OPENSSH PRIVATE KEY-----\n"
}
