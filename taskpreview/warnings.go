package taskpreview

// Warning codes. They are stable: tests, scripts and the TUI match on them.
const (
	WarnToolSetupEverywhere   = "tool_setup_required_everywhere"
	WarnDollarSetNotString    = "dollar_set_not_string"
	WarnURLPathBraces         = "url_path_braces_encoded"
	WarnURLHostLowercased     = "url_host_lowercased"
	WarnURLExpression         = "url_expression_rejected"
	WarnAPICallFieldDropped   = "api_call_field_dropped"
	WarnHeaderOverridden      = "header_overridden_by_definition"
	WarnNonStringField        = "non_string_field"
	WarnSetupOverridden       = "setup_overridden_by_metadata"
	WarnDocOnly               = "doc_only_construct"
	WarnInlineTool            = "inline_tool_not_evaluated"
	WarnIgnoredStepKey        = "ignored_step_key"
	WarnNameNeedsIndex        = "name_needs_index_form"
	WarnInvalidName           = "invalid_name"
	WarnSecretSentToLLM       = "secret_sent_to_llm"
	WarnDynamicUserControlled = "dynamic_user_controlled"
	WarnWholeMap              = "whole_map_exposure"
	WarnValidatorUndefined    = "validator_undefined_name"
	WarnModelNotAvailable     = "model_not_available"
	WarnUnknownAgentModel     = "unknown_agent_model"
	WarnLLMAPIKeyDropped      = "llm_api_key_dropped"
	WarnLeakState             = "leak_state"
	WarnLeakTransition        = "leak_transition_output"
	WarnLeakUserVisible       = "leak_user_visible"
	WarnLeakLog               = "leak_log_metadata"
	WarnLeakOutput            = "leak_execution_output"
	WarnMissingRequired       = "missing_required"
	WarnValueUnreadable       = "value_unreadable"
	WarnHardcoded             = "hardcoded_credential"
	WarnMultiDocument         = "multi_document"
	WarnSyntax                = "expression_syntax_error"
	WarnDollarNoSpace         = "dollar_without_space"
	WarnInvalidStep           = "invalid_step"
	WarnUnknownWorkflow       = "unknown_workflow"
	WarnInvalidSubworkflow    = "invalid_subworkflow"
	WarnManifestUndeclared    = "manifest_undeclared"
	WarnManifestUnused        = "manifest_unused"
	WarnManifestInvalid       = "manifest_invalid"
	WarnSecretRefMalformed    = "secret_ref_malformed"
	WarnSecretRefNotWhole     = "secret_ref_not_whole_value"
)

// explanations say why each warning matters; the human formatter prints
// them under the specific message.
var explanations = map[string]string{
	WarnToolSetupEverywhere:   "Julep builds every task tool, resolving its secrets, for each tool_call step and each prompt step with the default tools: all; one missing secret there breaks all of them.",
	WarnDollarSetNotString:    "after \"$ \" the braces make a Python set, not a string: string fields reject it and \"str\" + set raises TypeError. Drop the braces.",
	WarnURLPathBraces:         "api_call.url is validated as a URL at upload: braces in its path are percent-encoded (%7B…%7D) and never interpolated. Put the secret in the query or a header.",
	WarnURLHostLowercased:     "URL validation lowercases the host, so a reference there looks up the lower-case name.",
	WarnURLExpression:         "URL fields are validated before evaluation, so a \"$ \" expression there is rejected with 422.",
	WarnAPICallFieldDropped:   "an api_call definition only keeps method, url, headers and follow_redirects at execution: this field is evaluated (the secret must exist) and then dropped.",
	WarnHeaderOverridden:      "definition headers are merged over step-argument headers, so the tool definition's header of the same name wins.",
	WarnNonStringField:        "this field is not a string in Julep's schema, so a secret expression is rejected with 422 when the task is created.",
	WarnSetupOverridden:       "integration setup is merged with metadata x-integrations-setup, which wins and is never evaluated.",
	WarnDocOnly:               "documented on docs.julep.ai but absent from the schema and runtime: pydantic drops it, so it does nothing.",
	WarnInlineTool:            "inline tools of a prompt step are passed to the model unevaluated: the literal text is sent, not the secret.",
	WarnIgnoredStepKey:        "steps ignore unknown keys, so this text is never evaluated.",
	WarnNameNeedsIndex:        "this name cannot be read as an attribute; write secrets['NAME'].",
	WarnInvalidName:           "Julep secret names match ^[a-zA-Z][a-zA-Z0-9_]*$, so no secret can have this name.",
	WarnSecretSentToLLM:       "resolved values are interpolated into the prompt and sent to the model provider.",
	WarnDynamicUserControlled: "the secret's name is computed at run time; if input can steer it, a caller can read any secret.",
	WarnWholeMap:              "the whole secrets map (every visible secret) is read or exposed.",
	WarnValidatorUndefined:    "Julep's upload validator does not list 'secrets' among known names, so this may be rejected with \"Undefined name: 'secrets'\" (from reading the code).",
	WarnModelNotAvailable:     "settings.model goes through ensure_model_available; a model missing from the LiteLLM config fails the step, and gets no provider-key lookup.",
	WarnUnknownAgentModel:     "the agent model is not in the selected LiteLLM mapping, so no provider key is looked up.",
	WarnLLMAPIKeyDropped:      "settings.api_key is evaluated (so the secret must exist) but the LLM client drops it; use settings.custom_api_key.",
	WarnLeakState:             "the value is stored in workflow state and in transitions.",
	WarnLeakTransition:        "evaluate results are stored in the execution's transitions.",
	WarnLeakUserVisible:       "wait_for_input info is shown to whoever answers the input request.",
	WarnLeakLog:               "the log result is stored in transition metadata.",
	WarnLeakOutput:            "return values become the execution's output.",
	WarnMissingRequired:       "a missing secret in an evaluated position fails the run: Julep v1 raises EvaluateError, which is not retried; Julep 3 resolves secret:// fail-closed, so the MCP call (or the run-start preflight) fails.",
	WarnValueUnreadable:       "the name exists in the store but its value could not be read, so no mask is shown.",
	WarnHardcoded:             "a credential written into the task is stored with it and shown to anyone who can read the task; keep it in the store and reference it.",
	WarnMultiDocument:         "Julep's loader takes one YAML document; each document is previewed as its own task.",
	WarnSyntax:                "Julep cannot evaluate this string, so the step (or every step that builds tools) fails.",
	WarnDollarNoSpace:         "only \"$ \" with a space starts an expression; this string is plain text (an implicit f-string).",
	WarnInvalidStep:           "this step has no key Julep recognises, so nothing in it is evaluated.",
	WarnUnknownWorkflow:       "the called workflow is not defined in this task.",
	WarnInvalidSubworkflow:    "every top-level key other than the task fields must be a list of steps; Julep rejects the task with 400.",
	WarnManifestUndeclared:    "the project's julep.yaml secrets: list is what people read to know which secrets to create; this one is missing from it.",
	WarnManifestUnused:        "julep.yaml declares a secret that no task of the project references: drop it from the list, or it is a typo of a name that is used.",
	WarnManifestInvalid:       "julep.yaml's secrets: must be a list of {name, link} entries.",
	WarnSecretRefMalformed:    "Julep 3 resolves a value that starts with secret:// only when the rest is a name matching ^[a-z0-9][a-z0-9_-]{0,63}$; any other such value fails every MCP call (julep/mcp_auth.py).",
	WarnSecretRefNotWhole:     "Julep 3 resolves only whole-string secret://NAME values; secret:// inside a longer value (\"Bearer secret://x\") or in auth is sent as literal text, so the server gets the reference, not the secret.",
}

// Explain returns the general explanation of a warning code, or "".
func Explain(code string) string { return explanations[code] }
