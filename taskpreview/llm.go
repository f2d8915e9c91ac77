package taskpreview

import (
	"fmt"
	"strings"
)

// Mapping selects the model → provider-key table Julep's LiteLLM config
// gives (JULEP.md §6).
type Mapping string

// The two shipped mappings.
const (
	// MappingCurrent is julep-ai/julep@dev src/llm-proxy/litellm-config.yaml
	// (March 2026): Anthropic models go through Bedrock.
	MappingCurrent Mapping = "current"
	// MappingLegacy is julep-ai/julep@master llm-proxy/litellm-config.yaml
	// (June 2025): Anthropic models use ANTHROPIC_API_KEY.
	MappingLegacy Mapping = "legacy"
)

// ParseMapping reads a --mapping value; empty means current.
func ParseMapping(s string) (Mapping, error) {
	switch m := Mapping(strings.TrimSpace(s)); m {
	case "", MappingCurrent:
		return MappingCurrent, nil
	case MappingLegacy:
		return MappingLegacy, nil
	default:
		return "", fmt.Errorf("unknown mapping %q: use current or legacy", s)
	}
}

// ProviderKey returns the secret name Julep looks up for model under m,
// and whether the model is in that config at all. A known model with no
// key (a self-hosted embedding model) gives "", true. Matching is exact
// and case-sensitive, as in Julep.
func ProviderKey(m Mapping, model string) (name string, known bool) {
	table := currentModels
	if m == MappingLegacy {
		table = legacyModels
	}
	name, known = table[model]
	return name, known
}

// providerKeyTable is written as secret name → model_name values, the way
// the config groups them, and indexed by model at start-up.
type providerKeyTable map[string][]string

func (t providerKeyTable) index() map[string]string {
	out := map[string]string{}
	for key, models := range t {
		for _, m := range models {
			out[m] = key
		}
	}
	return out
}

// noKey groups models served without a provider key (self-hosted TEI,
// Vertex through ambient credentials).
const noKey = ""

var currentModels = providerKeyTable{
	"OPENAI_API_KEY": {"gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "gpt-4.1", "gpt-4.1-mini",
		"gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-chat", "gpt-5-chat-latest",
		"gpt-5-2025-08-07", "gpt-5-mini-2025-08-07", "gpt-5-nano-2025-08-07", "o1", "o1-mini",
		"o1-preview", "o3-mini", "o4-mini", "text-embedding-3-large"},
	"GEMINI_API_KEY": {"gemini-1.5-pro", "gemini-1.5-pro-latest", "gemini-2.0-flash",
		"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-pro-preview-03-25",
		"gemini-2.5-pro-preview-06-05"},
	"BEDROCK_API_KEY": {"claude-3-haiku", "claude-3-sonnet", "claude-3.5-haiku",
		"claude-3.5-sonnet", "claude-3.5-sonnet-20240620", "claude-3.5-sonnet-20241022",
		"claude-3.7-sonnet", "claude-sonnet-4", "claude-opus-4", "claude-opus-4-1",
		"claude-sonnet-4-5", "claude-haiku-4-5"},
	"GROQ_API_KEY": {"llama-3.1-8b", "llama-3.1-8b-instant", "llama-3.3-70b-versatile",
		"gemma2-9b-it", "deepseek-r1-distill-llama-70b", "qwen/qwen3-32b",
		"meta-llama/Llama-Guard-4-12B", "meta-llama/llama-4-maverick-17b-128e-instruct",
		"meta-llama/llama-4-scout-17b-16e-instruct"},
	"OPENROUTER_API_KEY": {"mistral-large-2411", "qwen-2.5-72b-instruct", "eva-llama-3.33-70b",
		"eva-qwen-2.5-72b", "l3.1-euryale-70b", "l3.3-euryale-70b", "magnum-v4-72b",
		"hermes-3-llama-3.1-70b", "deepseek-chat", "perplexity/sonar", "perplexity/sonar-pro",
		"perplexity/sonar-reasoning", "perplexity/sonar-reasoning-pro",
		"perplexity/sonar-deep-research", "meta-llama/llama-3.1-8b-instruct",
		"meta-llama/llama-3.3-70b-instruct", "meta-llama/llama-4-scout",
		"deepseek/deepseek-r1-distill-llama-70b", "deepseek/deepseek-r1-distill-qwen-32b",
		"openrouter/meta-llama/llama-4-scout", "openrouter/meta-llama/llama-4-scout:free",
		"openrouter/meta-llama/llama-4-maverick", "openrouter/meta-llama/llama-4-maverick:free"},
	"AMAZON_API_KEY": {"amazon/nova-lite-v1", "amazon/nova-micro-v1", "amazon/nova-pro-v1"},
	"VOYAGE_API_KEY": {"voyage-3", "voyage-multilingual-2"},
	noKey:            {"Alibaba-NLP/gte-large-en-v1.5", "BAAI/bge-m3", "vertex_ai/text-embedding-004"},
}.index()

// legacyModels follows JULEP.md §6 for the Anthropic, Cerebras and Groq lists.
// The other groups are reconstructed from julep-ai/julep history of the
// same period (mid-2025, before gpt-5, gemini-2.5-flash and the Bedrock
// move) and may miss a model or two.
var legacyModels = providerKeyTable{
	"OPENAI_API_KEY": {"gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "gpt-4.1", "gpt-4.1-mini",
		"gpt-4.1-nano", "o1", "o1-mini", "o1-preview", "o3-mini", "o4-mini",
		"text-embedding-3-large"},
	"GEMINI_API_KEY": {"gemini-1.5-pro", "gemini-1.5-pro-latest", "gemini-2.0-flash",
		"gemini-2.5-pro-preview-03-25"},
	"ANTHROPIC_API_KEY": {"claude-3-opus", "claude-3-sonnet", "claude-3-haiku",
		"claude-3.5-haiku", "claude-3.5-sonnet", "claude-3.5-sonnet-20240620",
		"claude-3.5-sonnet-20241022", "claude-3.7-sonnet", "claude-sonnet-4", "claude-opus-4"},
	"CEREBRAS_API_KEY": {"cerebras/llama-3.1-8b", "cerebras/llama-3.3-70b",
		"cerebras/llama-4-scout-17b-16e-instruct"},
	"GROQ_API_KEY": {"llama-3.1-70b", "llama-3.1-8b", "meta-llama/Llama-Guard-4-12B",
		"gemma2-9b-it"},
	"OPENROUTER_API_KEY": {"mistral-large-2411", "qwen-2.5-72b-instruct", "eva-llama-3.33-70b",
		"eva-qwen-2.5-72b", "l3.1-euryale-70b", "l3.3-euryale-70b", "magnum-v4-72b",
		"hermes-3-llama-3.1-70b", "deepseek-chat", "openrouter/meta-llama/llama-4-scout",
		"openrouter/meta-llama/llama-4-scout:free", "openrouter/meta-llama/llama-4-maverick",
		"openrouter/meta-llama/llama-4-maverick:free"},
	"AMAZON_API_KEY": {"amazon/nova-lite-v1", "amazon/nova-micro-v1", "amazon/nova-pro-v1"},
	"VOYAGE_API_KEY": {"voyage-3", "voyage-multilingual-2"},
	noKey:            {"Alibaba-NLP/gte-large-en-v1.5", "BAAI/bge-m3", "vertex_ai/text-embedding-004"},
}.index()
