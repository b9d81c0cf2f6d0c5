"""Reads a Python test module on stdin and prints the reply labels its tests assert, one JSON object a line.

Only literal assertions are taken: `eq_(<str>, quotations.extract_from_plain(<str>))` (talon) and
`assertEqual(<str>, EmailReplyParser.parse_reply(f.read()))` / `assertEqual(message.reply.strip(), <str>)`
with the fixture named in the test (zapier). Strings are evaluated with ast.literal_eval only: nothing runs.
"""
import ast
import json
import sys


def literal(node, env):
    if isinstance(node, ast.Name):
        return env.get(node.id)
    try:
        value = ast.literal_eval(node)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def call_name(node):
    if not isinstance(node, ast.Call):
        return None
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, 'id', None)


def fixture_of(node):
    """A fixture path or name a call mentions: open('test/emails/x.txt') or self.get_email('x')."""
    if call_name(node) in ('open', 'get_email') and node.args:
        value = literal(node.args[0], {})
        if value:
            return value if value.endswith('.txt') else value + '.txt'
    return None


def labels(tree):
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith('test'):
            continue
        env, fixture, count = {}, None, 0
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and fixture_of(node):
                fixture = fixture_of(node)
        for stmt in ast_statements(fn.body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = literal(stmt.value, env)
                if value is not None:
                    env[stmt.targets[0].id] = value
                continue
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if call_name(call) not in ('eq_', 'assertEqual') or len(call.args) < 2:
                continue
            a, b = call.args[0], call.args[1]
            if call_name(b) == 'extract_from_plain' and b.args:
                expected, text = literal(a, env), literal(b.args[0], env)
                if expected is not None and text is not None:
                    count += 1
                    yield {'name': f'{fn.name}-{count}', 'text': text, 'reply': expected}
            elif fixture and (call_name(b) == 'parse_reply' or call_name(a) == 'strip'):
                expected = literal(a if call_name(b) == 'parse_reply' else b, env)
                if expected is not None:
                    count += 1
                    yield {'name': f'{fn.name}-{count}', 'fixture': fixture, 'reply': expected}


def ast_statements(body):
    """Statements in order, descending into with/for/if blocks."""
    for stmt in body:
        yield stmt
        for field in ('body', 'orelse'):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, ast.FunctionDef):
                yield from ast_statements(inner)


for label in labels(ast.parse(sys.stdin.read())):
    print(json.dumps(label, ensure_ascii=False))
