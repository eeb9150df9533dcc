"""Send a learner's function to a fresh Python process, as source code.

Some checks must run an answer away from the notebook's kernel: chapter 04
measures the memory of a download in a fresh process (:mod:`course.measure`).
:func:`portable_source` writes the source that defines the function there: the
modules it uses (with the submodules it reaches), constants (numbers, strings and
containers of them), objects a module holds (imported from it), and the
functions and classes of the notebook it calls, themselves carried the same way.
"""

from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
import types
from typing import Any

from course.checks.expect import Incorrect


def _global_names(code: types.CodeType) -> set[str]:
    """The global names ``code`` reads when it runs, nested functions and comprehensions included."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return names


def _defined_names(source: str) -> set[str]:
    """Names a ``def`` or ``class`` statement evaluates when it runs, not when it is called.

    Those are not in the compiled code's names: decorators, default values,
    annotations, base classes and a class's own body. ``def f(url, path,
    chunk_size=CHUNK)`` needs ``CHUNK`` in the fresh process, and ``class
    HashFile(io.RawIOBase)`` needs ``io``. Any other statement (``fetch =
    lambda url: …``) runs as a whole, so all its names count.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    parts: list[ast.AST] = []

    def at_definition(node: ast.stmt) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
            parts.extend([*node.decorator_list, *arguments.defaults, node.returns])
            parts.extend(default for default in arguments.kw_defaults if default is not None)
            parts.extend(argument.annotation for argument in every if argument is not None and argument.annotation)
        elif isinstance(node, ast.ClassDef):
            parts.extend([*node.decorator_list, *node.bases, *(keyword.value for keyword in node.keywords)])
            for statement in node.body:
                at_definition(statement)
        else:
            parts.append(node)

    for statement in tree.body:
        at_definition(statement)
    return {
        node.id
        for part in parts
        if part is not None
        for node in ast.walk(part)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


LITERAL_LIMIT = 20_000
"""The longest constant (as source) that travels to the fresh process; the source goes there as a
command-line argument, and a larger value is rather data the function should fetch or build."""


def _literal(value: Any) -> str | None:
    """Python source that rebuilds ``value`` — a number, a string, bytes, None, or a tuple, list,
    dict, set or frozenset of those — or None when it is anything else."""
    kind = type(value)
    if kind is float and not math.isfinite(value):
        return f"float({str(value)!r})"
    if kind in (bool, int, float, complex, str, bytes, type(None)):
        return repr(value)
    if kind in (tuple, list, set, frozenset):
        items: list[str] = []
        for item in value:
            source = _literal(item)
            if source is None:
                return None
            items.append(source)
        joined = ", ".join(items)
        if kind is tuple:
            return f"({joined},)" if len(items) == 1 else f"({joined})"
        if kind is list:
            return f"[{joined}]"
        braces = f"{{{joined}}}" if items else "set()"
        return braces if kind is set else f"frozenset({braces})"
    if kind is dict:
        pairs = [(_literal(key), _literal(item)) for key, item in value.items()]
        if any(key is None or item is None for key, item in pairs):
            return None
        return "{" + ", ".join(f"{key}: {item}" for key, item in pairs) + "}"
    return None


def _constant(name: str, value: Any) -> str | None:
    """``name = <value>`` when ``value`` can be rebuilt from source, round trip checked; else None."""
    source = _literal(value)
    if source is None or len(source) > LITERAL_LIMIT:
        return None
    try:
        if eval(source, {}) != value:  # noqa: S307 - our own output, made of literals only
            return None
    except Exception:  # e.g. a set that holds NaN
        return None
    return f"{name} = {source}"


def _submodules(module: types.ModuleType, attributes: set[str]) -> list[str]:
    """The submodules reached by attribute from ``module`` (``urllib`` + ``request`` → ``urllib.request``).

    ``import urllib`` alone does not import ``urllib.request``; in the notebook
    someone else had, so ``urllib.request.urlopen`` worked there.
    """
    found: list[str] = []
    parents = [module.__name__]
    while parents:
        parent = parents.pop()
        for attribute in sorted(attributes):
            child = f"{parent}.{attribute}"
            if child in sys.modules and child not in found:
                found.append(child)
                parents.append(child)
    return found


def _importable(name: str, value: Any) -> str | None:
    """``from <module> import <name> as name`` for an object its module holds (a class, ``Optional``)."""
    try:
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None) or name
        if not isinstance(module, str) or module not in sys.modules:
            return None
        for attribute in (qualname, name):
            if isinstance(attribute, str) and "." not in attribute:
                if getattr(sys.modules[module], attribute, None) is value:
                    return f"from {module} import {attribute} as {name}"
    except Exception:  # an object with odd attributes: leave it behind
        return None
    return None


def _functions_of(thing: Any) -> list[types.FunctionType]:
    """The Python functions that make up ``thing``: itself, or a class's methods (static, class, property)."""
    if not inspect.isclass(thing):
        return [thing] if isinstance(thing, types.FunctionType) else []
    found = []
    for member in vars(thing).values():
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        parts = (member.fget, member.fset, member.fdel) if isinstance(member, property) else (member,)
        found += [part for part in parts if isinstance(part, types.FunctionType)]
    return found


def portable_source(function: Any, _seen: set[int] | None = None) -> str:
    """Source that defines ``function`` in a fresh interpreter: imports and constants it uses, then its ``def``.

    Modules become imports (with the submodules it reaches, such as
    ``urllib.request``), numbers, strings and containers of them become
    assignments, objects a module holds (``Path``, ``Optional``) are imported
    from it, functions and classes from a notebook come along as source (with
    what their methods use); anything else is left out (the fresh process then
    reports a NameError that the check explains). The names counted are those
    the code uses when it runs and those its ``def`` evaluates: default values,
    annotations, decorators, base classes.
    """
    seen = _seen if _seen is not None else set()
    seen.add(id(function))
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        raise Incorrect(
            f"cannot read the source of {getattr(function, '__name__', function)!r}: define it with `def` in a cell"
        ) from None
    lines: list[str] = []
    functions = _functions_of(function)
    names = set().union(*(_global_names(f.__code__) for f in functions)) | _defined_names(source)
    if functions:
        namespace = functions[0].__globals__
    else:
        module = sys.modules.get(getattr(function, "__module__", None) or "")
        namespace = vars(module) if module is not None else {}
    for name in sorted(names):
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            lines += [f"__import__({child!r})" for child in _submodules(value, names)]
            lines.append(f"import {value.__name__} as {name}")
        elif (constant := _constant(name, value)) is not None:
            lines.append(constant)
        elif getattr(value, "__module__", None) in ("__main__", function.__module__):
            if (inspect.isfunction(value) or inspect.isclass(value)) and id(value) not in seen:
                lines.append(portable_source(value, seen))
        elif (imported := _importable(name, value)) is not None:
            lines.append(imported)
    return "\n".join([*lines, source])
