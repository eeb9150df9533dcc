"""The grader's final re-check, and the test that the checks it runs are the course's own.

:mod:`course.execute` appends one cell to every graded notebook. That cell
loads this file straight from disk (not through ``import``, so a module the
learner planted in ``sys.modules`` is not used) and calls :func:`final_recheck`
with a one-time ``nonce``: a random word the learner's cells never saw, since
the cell that holds it is added by the grader and runs last. Only records that
carry the nonce count as the grade.

Before checking the answers, :func:`modified` compares what the kernel holds
with what the course's files say:

- every function and class defined in a loaded ``course`` module (and in
  :mod:`json`, which writes the records) must still be the one its source file
  defines: same code, not replaced, not deleted, no method added by the
  notebook;
- the questions must be instances of those classes, with no method overridden
  on the instance, in the order the grader expects;
- the builtins the re-check calls must be Python's own;
- no hook of the notebook's may run around the cell (IPython events, input
  transformers) or trace it (``sys.settrace``, ``sys.setprofile``).

Anything found is recorded as "checks were modified" and no answer is judged.
This catches the obvious ways of faking a grade; a check that runs in the
learner's own kernel can never be made safe against every trick (see the
instructors' page).
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import importlib.util
import json
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COURSE = Path(__file__).resolve().parent
"""The ``course`` package folder: every module loaded from under it is verified."""

ALSO_VERIFIED = ("json", "json.encoder")
"""Standard modules the re-check relies on to write its records."""

BUILTINS = (
    "open compile exec print isinstance getattr setattr hasattr vars type len repr str sorted "
    "callable iter next any all list dict tuple set id __import__"
).split()
"""Builtins the re-check calls: replacing one could change what it records."""

DATACLASS_MADE = {"__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__", "__lt__", "__le__"}
DATACLASS_MADE |= {"__gt__", "__ge__", "__getstate__", "__setstate__", "__replace__"}
"""Methods :mod:`dataclasses` writes into a class (their code comes from ``<string>``)."""


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and every function body compiled inside it, at any depth."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


@functools.cache
def _pristine(path: str) -> tuple[ast.Module, dict[str, list[types.CodeType]]]:
    """The parsed source at ``path`` and its compiled bodies by qualified name (as import compiles them)."""
    source = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(source, path)
    bodies: dict[str, list[types.CodeType]] = {}
    for code in _code_objects(compile(source, path, "exec", dont_inherit=True)):
        bodies.setdefault(code.co_qualname, []).append(code)
    return tree, bodies


def _functions(value: Any) -> list[types.FunctionType]:
    """The Python functions behind a class attribute: unwraps methods, properties and decorators."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for part in (value.fget, value.fset, value.fdel) if part for f in _functions(part)]
    found = []
    while value is not None and not isinstance(value, type):
        if isinstance(value, types.FunctionType):
            found.append(value)
        value = getattr(value, "__wrapped__", None)
    return found


def _definitions(body: list[ast.stmt]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """The functions and classes a module or class body defines, also under ``if``/``try``."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            yield from _definitions(node.body + node.orelse + getattr(node, "finalbody", []))


class _Source:
    """One verified module: its name, its globals, and the bodies its file compiles to.

    (A plain class: the re-check runs this file outside ``sys.modules``, where
    :mod:`dataclasses` cannot work.)
    """

    def __init__(self, name: str, namespace: dict[str, Any], bodies: dict[str, list[types.CodeType]]) -> None:
        self.name = name
        self.namespace = namespace
        self.bodies = bodies

    def runs(self, function: types.FunctionType, qualname: str) -> bool:
        """True if ``function`` is the file's ``qualname`` (or a wrapper a decorator of the file made),
        with the module's own globals: same code is not enough, ``FunctionType(code, other_globals)``
        would run it against other helpers."""
        code = function.__code__
        names = {qualname} | ({code.co_qualname} if ".<locals>." in code.co_qualname else set())
        return function.__globals__ is self.namespace and any(
            code == body for name in names for body in self.bodies.get(name, ())
        )


def _verify_class(cls: Any, node: ast.ClassDef, prefix: str, source: _Source) -> Iterator[str]:
    """What changed in a class: methods replaced, deleted or added since the module made it."""
    where = f"{source.name}.{prefix}"
    if not isinstance(cls, type) or cls.__qualname__ != prefix or cls.__module__ != source.name:
        yield f"{where} is not the course's class any more"
        return
    declared = set()
    for child in _definitions(node.body):
        declared.add(child.name)
        value = vars(cls).get(child.name)
        if value is None and isinstance(child, ast.ClassDef):
            continue  # a nested class a metaclass takes away, as Django does with ``Meta``
        yield from _verify(value, child, f"{prefix}.{child.name}", source)
    for name, value in vars(cls).items():
        if name not in declared and _added(name, value, source):
            yield f"{where}.{name} was added by the notebook"


def _added(name: str, value: Any, source: _Source) -> bool:
    """True for a class attribute that neither the module's source nor a library (dataclasses, typing,
    Django) wrote: a function, or a descriptor or wrapper of the notebook's."""
    if type(value).__module__ == "__main__":
        return True
    if isinstance(value, (functools.partial, functools.partialmethod)):  # Django's get_next_by_… are these
        return _added(name, value.func, source)
    for function in _functions(value):
        filename = function.__code__.co_filename
        if filename == "<string>":
            if name not in DATACLASS_MADE:
                return True
        elif not any(Path(filename).is_relative_to(prefix) for prefix in {sys.prefix, sys.base_prefix}):
            if not source.runs(function, function.__code__.co_qualname):
                return True
    return False


def _verify(value: Any, node: ast.AST, prefix: str, source: _Source) -> Iterator[str]:
    """What changed in one definition of the module's source (a function or a class)."""
    where = f"{source.name}.{prefix}"
    if value is None:
        yield f"{where} was deleted"
    elif isinstance(node, ast.ClassDef):
        yield from _verify_class(value, node, prefix, source)
    elif not any(source.runs(function, prefix) for function in _functions(value)):
        yield f"{where} was replaced"


def _source(module: types.ModuleType) -> tuple[ast.Module, _Source] | None:
    """The parsed file of ``module`` and what it compiles to; None if it has no file of its own."""
    path = getattr(module, "__file__", None)
    if not path or not path.endswith(".py") or not os.path.exists(path):
        return None
    tree, bodies = _pristine(path)
    return tree, _Source(module.__name__, vars(module), bodies)


def verify_module(module: types.ModuleType, constants: bool = True) -> list[str]:
    """What the notebook changed in ``module`` compared with its source file (``constants``: see below)."""
    found = _source(module)
    if found is None:
        return [f"{module.__name__} does not come from its file any more"]
    tree, source = found
    changes = []
    for node in _definitions(tree.body):
        changes.extend(_verify(vars(module).get(node.name), node, node.name, source))
    return changes + list(_verify_bindings(module, tree, constants))


def _still_original(value: Any, origin: types.ModuleType, name: str) -> bool:
    """True if ``value`` is the course's own ``origin.name`` from before a reload of ``origin``."""
    found = _source(origin)
    if found is None:
        return False
    tree, source = found
    node = next((node for node in _definitions(tree.body) if node.name == name), None)
    return node is not None and not list(_verify(value, node, name, source))


def _verify_bindings(module: types.ModuleType, tree: ast.Module, constants: bool) -> Iterator[str]:
    """What changed among the module's top-level imports and literal constants.

    ``questions.expect_equal = lambda *a: None`` leaves ``expect``'s own
    function intact, so each imported name must still be the object it was
    imported from; with ``constants``, an UPPERCASE constant written as a literal
    (a table of test cases) must still equal it. Names bound twice at the top
    level are left alone.
    """
    counts: dict[str, int] = {}
    for node in tree.body:
        for name in _bound_names(node):
            counts[name] = counts.get(name, 0) + 1
    live = vars(module)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            source = importlib.util.resolve_name("." * node.level + (node.module or ""), module.__package__ or "")
            origin = sys.modules.get(source)
            for alias in node.names:
                name = alias.asname or alias.name
                if origin is None or counts.get(name) != 1 or not hasattr(origin, alias.name):
                    continue
                value = live.get(name)
                if value is not getattr(origin, alias.name) and not _still_original(value, origin, alias.name):
                    yield f"{module.__name__}.{name} no longer is {source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else name
                if counts.get(name) == 1 and target in sys.modules and live.get(name) is not sys.modules[target]:
                    yield f"{module.__name__}.{name} no longer is the module {target}"
        elif constants and isinstance(node, ast.Assign) and _constant_name(node):
            name = node.targets[0].id  # type: ignore[attr-defined]
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            if counts.get(name) == 1 and live.get(name, _MISSING) != value:
                yield f"{module.__name__}.{name} was changed"


_MISSING = object()


def _constant_name(node: ast.Assign) -> bool:
    """True for ``NAME = ...`` with an UPPERCASE name: a constant by convention."""
    target = node.targets[0] if len(node.targets) == 1 else None
    return isinstance(target, ast.Name) and target.id.isupper()


def _bound_names(node: ast.stmt) -> list[str]:
    """The top-level names one statement binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [n.id for target in targets if target is not None for n in ast.walk(target) if isinstance(n, ast.Name)]


def _course_modules() -> list[types.ModuleType]:
    """The loaded modules of the ``course`` package, by their file's place under it."""
    found = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if (name == "course" or name.startswith("course.")) and module is not None:
            found.append(module)
        elif path and Path(path).resolve().is_relative_to(COURSE):
            found.append(module)
    return found


def declared_kinds(path: str) -> list[str]:
    """The question classes the file at ``path`` binds, in order: ``QUESTIONS = bind(CHAPTER, [A, B], …)``."""
    for node in ast.parse(Path(path).read_text(encoding="utf-8"), path).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "QUESTIONS" for t in node.targets):
            call = node.value
            if isinstance(call, ast.Call) and len(call.args) > 1 and isinstance(call.args[1], ast.List):
                return [element.id for element in call.args[1].elts if isinstance(element, ast.Name)]
    return []


def _questions(chapter: str) -> tuple[list[Any], list[str]]:
    """The chapter's question objects and what is wrong with them (types, instance overrides, order)."""
    from course.chapters import find

    package = find(chapter).package
    module = importlib.import_module(f"{package}.questions")
    expected = declared_kinds(str(COURSE / "chapters" / package.rsplit(".", 1)[1] / "questions.py"))
    questions = list(module.QUESTIONS)
    problems = []
    kinds = [type(question).__name__ for question in questions]
    if kinds != expected:
        problems.append(f"{package}.questions.QUESTIONS is {kinds}, not {expected}")
    for number, question in enumerate(questions, start=1):
        kind = type(question)
        if getattr(module, kind.__name__, None) is not kind:
            problems.append(f"q{number} is a {kind.__qualname__}, not a class of {package}.questions")
        for name, value in vars(question).items():
            if callable(value) and hasattr(kind, name):
                problems.append(f"q{number}.{name} was replaced on the question object")
        if getattr(question, "chapter", None) != chapter or getattr(question, "name", None) != f"q{number}":
            problems.append(f"q{number} was renamed or moved to another chapter")
    return questions, problems


def _hooks() -> list[str]:
    """Code of the notebook's that runs around or inside the re-check cell."""
    found = []
    if sys.gettrace() is not None or sys.getprofile() is not None:
        found.append("a trace or profile function (sys.settrace, sys.setprofile) is set")
    shell = getattr(builtins, "get_ipython", lambda: None)()
    if shell is None:
        return found
    for event, callbacks in shell.events.callbacks.items():
        found.extend(f"an IPython {event!r} hook was registered by the notebook" for c in callbacks if _learners(c))
    transformers = list(shell.input_transformers_cleanup) + list(shell.input_transformers_post)
    found.extend("an IPython input transformer was registered by the notebook" for t in transformers if _learners(t))
    return found


def _learners(value: Any) -> bool:
    """True for a function written in a notebook cell (module ``__main__`` or a cell's file)."""
    function = getattr(value, "__func__", value)
    code = getattr(function, "__code__", None)
    return getattr(function, "__module__", None) == "__main__" or (code is not None and "ipykernel" in code.co_filename)


def _builtins() -> list[str]:
    """Builtins, and the ``os`` calls that write the records, that are no longer Python's own."""
    found = [f"builtins.{name} was replaced" for name in BUILTINS if _replaced_builtin(getattr(builtins, name, None))]
    for name in ("open", "write", "close"):
        value = getattr(os, name, None)
        if not (isinstance(value, types.BuiltinFunctionType) and value.__self__.__name__ in {"posix", "nt"}):
            found.append(f"os.{name} was replaced")
    return found


def _replaced_builtin(value: Any) -> bool:
    """True unless ``value`` is a type or a C function of the interpreter (``open`` is ``io``'s)."""
    if isinstance(value, type):
        return value.__module__ != "builtins"
    owner = getattr(value, "__self__", None)
    return not (
        isinstance(value, types.BuiltinFunctionType) and getattr(owner, "__name__", "") in {"builtins", "io", "_io"}
    )


def modified(chapter: str) -> list[str]:
    """Everything the notebook changed that the re-check depends on; empty when all is original."""
    found = _builtins() + _hooks()
    _, question_problems = _questions(chapter)
    for module in _course_modules():
        found.extend(verify_module(module))
    for name in ALSO_VERIFIED:  # the standard library keeps caches in its constants
        found.extend(verify_module(importlib.import_module(name), constants=False))
    return found + question_problems


def final_recheck(chapter: str, nonce: str, namespace: dict[str, Any], outcomes: str) -> None:
    """Check every question of ``chapter`` once more and record the verdicts under ``nonce``.

    The answers are looked up by name in ``namespace`` (the notebook's). When
    the checks were modified, before the answers were judged or while they
    were (a thread of the notebook's could change them meanwhile), one record
    lists what changed instead. All records go to the file ``outcomes`` in one write, which
    the grader's worker copies as soon as this cell ends: anything written
    with the nonce after that was forged.
    """
    from course.checks import MISSING

    changes = modified(chapter)
    records: list[dict[str, Any]] = []
    if not changes:
        questions, _ = _questions(chapter)
        for question in questions:
            answers = tuple(namespace.get(name, MISSING) for name in question.answer_names)
            outcome = question.evaluate(*answers)
            print(outcome)
            records.append({"nonce": nonce, "chapter": chapter, "question": question.name, "status": outcome.status})
            records[-1]["message"] = outcome.message
        changes = modified(chapter)  # again: judging ran the notebook's code
    if changes:
        records = [{"nonce": nonce, "chapter": chapter, "modified": changes}]
        print("The grader found the course's checks modified by this notebook:", *changes, sep="\n- ")
    data = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")
    descriptor = os.open(outcomes, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


__all__ = ["final_recheck", "modified", "verify_module"]
