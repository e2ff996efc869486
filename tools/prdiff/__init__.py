"""The PR cost diff: LLM call sites found in a change (code_scan, git_source) priced against traffic."""
