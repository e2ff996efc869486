"""Finding LLM call sites in source code (Python by AST, TypeScript/JavaScript by a tolerant scanner) and what
each one sends: model, max tokens, static prompt size, prompt caching, service tier (`service_tier="flex"`,
a batch API), and whether it runs in a loop. Pieces of files (a patch's hunks) that do not parse are read by the
tolerant scanner too, in Python's `name=value` spelling.

Used by the PR cost diff to see what a pull request changed. Only literal values are read (strings, numbers, and
module-level constants that hold them); anything computed at run time is reported as unknown.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

# attribute chains (suffixes) that call a model, with the API they belong to
_PY_APIS: dict[tuple[str, ...], str] = {
    ("messages", "create"): "anthropic.messages",
    ("messages", "stream"): "anthropic.messages",
    ("batches", "create"): "anthropic.batches",
    ("chat", "completions", "create"): "openai.chat",
    ("chat", "completions", "parse"): "openai.chat",
    ("responses", "create"): "openai.responses",
    ("embeddings", "create"): "openai.embeddings",
    ("completions", "create"): "openai.completions",
    ("models", "generate_content"): "google.genai",
    ("generate_content",): "google.genai",
    ("invoke_model",): "aws.bedrock",
    ("converse",): "aws.bedrock",
    ("completion",): "litellm",
    ("acompletion",): "litellm",
}
_MAX_TOKEN_KEYS = (
    "max_tokens",
    "max_output_tokens",
    "max_completion_tokens",
    "maxTokens",
    "max_tokens_to_sample",
)
_PROMPT_KEYS = ("messages", "system", "input", "prompt", "contents", "instructions")


@dataclass
class CallSite:
    path: str
    function: str
    api: str
    line: int
    ordinal: int = 0  # n-th call of this api in this function
    model: str | None = None
    max_tokens: int | None = None
    prompt_chars: int = 0
    cache: bool = False
    batch: bool = False
    service_tier: str | None = None  # a literal service_tier argument (flex, priority, ...)
    in_loop: bool = False
    loop_factor: int | None = None  # literal iteration count when known, e.g. range(8)
    feature: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.path, self.function, self.api.split(".")[0], self.ordinal)


def _chain(node: ast.AST) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _api_of(call: ast.Call) -> str | None:
    chain = _chain(call.func)
    for suffix, api in sorted(_PY_APIS.items(), key=lambda kv: -len(kv[0])):
        if len(chain) >= len(suffix) and chain[-len(suffix) :] == suffix:
            if suffix == ("completion",) and chain[0] != "litellm":
                continue
            if suffix == ("completions", "create") and "chat" in chain:
                continue
            return api
    return None


class _Constants(ast.NodeVisitor):
    """Module-level NAME = <literal> assignments, so `model=MODEL` resolves."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def visit_Module(self, node: ast.Module) -> None:
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                value = _literal(stmt.value, self.values)
                if value is not None:
                    self.values[stmt.targets[0].id] = value


def _literal(node: ast.AST | None, consts: dict[str, object]) -> object | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id]
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, consts), _literal(node.right, consts)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        left, right = _literal(node.left, consts), _literal(node.right, consts)
        if isinstance(left, str) and isinstance(right, int):
            return left * right
        if isinstance(left, int) and isinstance(right, int):
            return left * right
    return None


_NOT_PROMPT_KEYS = {"role", "type", "cache_control", "name", "id", "tool_use_id", "media_type"}


def _string_chars(node: ast.AST, consts: dict[str, object]) -> int:
    """Characters of literal prompt text in an argument (message contents, system prompts); dict keys and
    structural values (role, type, cache_control) are not prompt text."""
    if isinstance(node, ast.Dict):
        total = 0
        for k, v in zip(node.keys, node.values, strict=False):
            if isinstance(k, ast.Constant) and k.value in _NOT_PROMPT_KEYS:
                continue
            total += _string_chars(v, consts)
        return total
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return sum(_string_chars(e, consts) for e in node.elts)
    value = _literal(node, consts)
    if isinstance(value, str):
        return len(value)
    if isinstance(node, ast.Call):
        return sum(_string_chars(a, consts) for a in node.args) + sum(
            _string_chars(k.value, consts) for k in node.keywords
        )
    if isinstance(node, ast.BinOp):
        return _string_chars(node.left, consts) + _string_chars(node.right, consts)
    if isinstance(node, ast.JoinedStr):
        return sum(len(str(v.value)) for v in node.values if isinstance(v, ast.Constant))
    return 0


def _dict_keys(node: ast.AST) -> set[str]:
    keys = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            keys |= {k.value for k in sub.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        if isinstance(sub, ast.keyword) and sub.arg:
            keys.add(sub.arg)
    return keys


def scan_python(path: str, text: str) -> list[CallSite]:
    """Call sites in a Python module. A module that does not parse yields none (and no error)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    consts = _Constants()
    consts.visit(tree)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    sites: list[CallSite] = []
    counters: dict[tuple[str, str], int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        api = _api_of(node)
        if api is None:
            continue
        function, in_loop, factor = "<module>", False, None
        cur = parents.get(node)
        while cur is not None:
            if (
                isinstance(
                    cur,
                    ast.For
                    | ast.AsyncFor
                    | ast.While
                    | ast.comprehension
                    | ast.ListComp
                    | ast.SetComp
                    | ast.GeneratorExp
                    | ast.DictComp,
                )
                and not in_loop
            ):
                in_loop = True
                it = getattr(cur, "iter", None)
                if it is None and hasattr(cur, "generators") and cur.generators:
                    it = cur.generators[0].iter
                if isinstance(it, ast.Call) and _chain(it.func)[-1:] == ("range",) and it.args:
                    bound = _literal(it.args[-1] if len(it.args) == 1 else it.args[1], consts.values)
                    if isinstance(bound, int):
                        factor = bound
            if isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef):
                function = cur.name if function == "<module>" else function
                break
            cur = parents.get(cur)
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        model = _literal(kwargs.get("model") or kwargs.get("modelId"), consts.values)
        tier = _literal(kwargs.get("service_tier"), consts.values)
        max_tokens = next((_literal(kwargs[k], consts.values) for k in _MAX_TOKEN_KEYS if k in kwargs), None)
        prompt = sum(_string_chars(kwargs[k], consts.values) for k in _PROMPT_KEYS if k in kwargs)
        prompt += sum(_string_chars(a, consts.values) for a in node.args)
        keys = set().union(*(_dict_keys(v) for v in node.keywords)) if node.keywords else set()
        feature = None
        for v in node.keywords:
            for sub in ast.walk(v.value):
                if isinstance(sub, ast.Dict):
                    for k, val in zip(sub.keys, sub.values, strict=False):
                        if isinstance(k, ast.Constant) and k.value in ("feature", "x-feature", "X-Feature"):
                            lit = _literal(val, consts.values)
                            feature = lit if isinstance(lit, str) else feature
            if v.arg == "feature":
                lit = _literal(v.value, consts.values)
                feature = lit if isinstance(lit, str) else feature
        counter_key = (function, api.split(".")[0])
        ordinal = counters.get(counter_key, 0)
        counters[counter_key] = ordinal + 1
        sites.append(
            CallSite(
                path=path,
                function=function,
                api=api,
                line=node.lineno,
                ordinal=ordinal,
                model=model if isinstance(model, str) else None,
                max_tokens=max_tokens if isinstance(max_tokens, int) else None,
                prompt_chars=prompt,
                cache="cache_control" in keys or "prompt_cache_key" in keys,
                batch=api == "anthropic.batches" or "batch" in path.lower() and "batch" in keys,
                service_tier=tier if isinstance(tier, str) else None,
                in_loop=in_loop,
                loop_factor=factor,
                feature=feature,
            )
        )
    return sites


_TS_CALL = re.compile(
    r"\.(messages\.create|messages\.stream|messages\.batches\.create|chat\.completions\.create|responses\.create|"
    r"embeddings\.create|generateContent|generate_content)\s*\(",
)
_TS_API = {
    "messages.create": "anthropic.messages",
    "messages.stream": "anthropic.messages",
    "messages.batches.create": "anthropic.batches",
    "chat.completions.create": "openai.chat",
    "responses.create": "openai.responses",
    "embeddings.create": "openai.embeddings",
    "generateContent": "google.genai",
    "generate_content": "google.genai",
}
_TS_FUNC = re.compile(
    r"(?:function\s+(\w+)|(?:const|let|var)\s+(\w+)\s*=\s*(?:async\s*)?\(|"
    r"(?<![\w.])(?!(?:for|while|if|switch|catch|with|return)\b)(\w+)\s*\([^)]*\)\s*\{)"
)
_TS_LOOP = re.compile(r"\b(for\s*\(|while\s*\(|\.map\s*\(|\.forEach\s*\(|for\s+await\s*\()")
_TS_STR = re.compile(r"`(?:[^`\\]|\\.)*`|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def _balanced(text: str, start: int) -> str:
    """The argument text of a call whose '(' is at `start`."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        elif ch in "\"'`":
            m = _TS_STR.match(text, i)
            if m:
                i = m.end()
                continue
        i += 1
    return text[start + 1 :]


def _ts_consts(text: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(
        r"(?:const|let|var)\s+(\w+)\s*=\s*(`(?:[^`\\]|\\.)*`|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", text
    ):
        out[m.group(1)] = m.group(2)[1:-1]
    for m in re.finditer(
        r"(?:const|let|var)\s+(\w+)\s*=\s*(`[^`]*`|\"[^\"]*\"|'[^']*')\.repeat\((\d+)\)", text
    ):
        out[m.group(1)] = m.group(2)[1:-1] * int(m.group(3))
    for m in re.finditer(
        r"(?m)^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*$", text
    ):
        out.setdefault(m.group(1), m.group(2)[1:-1])  # a Python module constant (in a piece of a file)
    return out


def scan_typescript(path: str, text: str, function_hint: str | None = None) -> list[CallSite]:
    """Call sites in TypeScript/JavaScript, or in a piece of Python that does not parse (a tolerant scanner,
    not a parser: `key: value` and `key=value` arguments alike). `function_hint` names the enclosing function
    when the text does not show it (a patch hunk's header)."""
    consts = _ts_consts(text)
    sites: list[CallSite] = []
    counters: dict[tuple[str, str], int] = {}
    for m in _TS_CALL.finditer(text):
        api = _TS_API[m.group(1)]
        args = _balanced(text, m.end() - 1)
        before = text[: m.start()]
        funcs = [f for f in _TS_FUNC.finditer(before)]
        function = (
            next((g for g in funcs[-1].groups() if g), "<module>") if funcs else function_hint or "<module>"
        )
        func_start = funcs[-1].start() if funcs else 0
        scope = before[func_start:]
        in_loop = False
        factor = None
        for loop in _TS_LOOP.finditer(scope):
            tail = scope[loop.start() :]
            if tail.count("{") > tail.count("}") or tail.count("(") > tail.count(")"):
                in_loop = True
                bound = re.match(r"for\s*\(\s*let\s+\w+\s*=\s*0\s*;\s*\w+\s*<\s*(\d+)", tail)
                factor = int(bound.group(1)) if bound else factor
        model_m = re.search(r"\bmodel\s*[:=]\s*(\"[^\"]*\"|'[^']*'|`[^`]*`|\w+)", args)
        model = None
        if model_m:
            raw = model_m.group(1)
            model = raw[1:-1] if raw[0] in "\"'`" else consts.get(raw)
        mt = re.search(
            r"\b(?:max_tokens|max_output_tokens|max_completion_tokens|maxTokens)\s*[:=]\s*(\d+)", args
        )
        tier_m = re.search(r"\b(?:service_tier|serviceTier)\s*[:=]\s*[\"'](\w+)[\"']", args)
        structural = re.sub(
            r"\b(?:role|type|model|service_tier|serviceTier)\s*[:=]\s*(\"[^\"]*\"|'[^']*'|`[^`]*`)", "", args
        )
        prompt = sum(len(s.group(0)) - 2 for s in _TS_STR.finditer(structural))
        for name, value in consts.items():
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", args) and value != model:
                prompt += len(value)
        feat = re.search(r"[\"']?feature[\"']?\s*:\s*[\"']([^\"']+)[\"']", args)
        counter_key = (function, api.split(".")[0])
        ordinal = counters.get(counter_key, 0)
        counters[counter_key] = ordinal + 1
        sites.append(
            CallSite(
                path=path,
                function=function,
                api=api,
                line=text.count("\n", 0, m.start()) + 1,
                ordinal=ordinal,
                model=model,
                max_tokens=int(mt.group(1)) if mt else None,
                prompt_chars=max(prompt, 0),
                cache="cache_control" in args,
                batch=api == "anthropic.batches",
                service_tier=tier_m.group(1) if tier_m else None,
                in_loop=in_loop,
                loop_factor=factor,
                feature=feat.group(1) if feat else None,
            )
        )
    return sites


def scan(path: str, text: str) -> list[CallSite]:
    if path.endswith(".py"):
        return scan_python(path, text)
    if path.endswith((".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts")):
        return scan_typescript(path, text)
    return []
