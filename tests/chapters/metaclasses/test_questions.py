"""Metaclass chapter checks: right answers pass (unusual ones too), plausible wrong ones are told why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, final

import pytest
from checking import incorrect

from course.chapters.metaclasses.questions import q1, q2, q3, q4
from course.checks import MISSING
from course.solutions import define, reference

ROOT = Path(__file__).resolve().parents[3]


def _from_solution(question: Any, name: str) -> Any:
    """The reference answer the learner sees with ``qN.solution()``, as an object."""
    return define(question)[name]


# --- all questions ------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=lambda q: q.name)
def test_hints_climb_three_rungs_and_stop_short_of_the_answer(question: Any) -> None:
    """Does each question give a nudge, a method and a shape, none of them a line of the published answer?"""
    assert len(question.hints) == 3
    exercise = json.loads((ROOT / "exercises" / "01-metaclasses.ipynb").read_text())
    given = {line.strip() for cell in exercise["cells"] for line in "".join(cell["source"]).splitlines()}
    answer = {line.strip() for line in reference(question).source.splitlines() if len(line.strip()) > 20}
    answer_lines = answer - given  # the stub's own lines (signatures, docstrings) are no secret
    for rung in question.hints:
        assert not answer_lines & {line.strip() for line in rung.splitlines()}


def test_hint_gives_the_next_rung_at_each_call(capsys: pytest.CaptureFixture[str]) -> None:
    """Does hint() show rung 1, then 2, then 3, and then say that solution() is next?"""
    question = type(q1)(q1.chapter, q1.name, q1.solutions_path)  # a fresh copy: q1's own count stays as it is
    shown = []
    for _ in range(4):
        question.hint()
        shown.append(capsys.readouterr().out)
    headings = [text.split(":")[0] for text in shown]
    assert headings == ["💡 Hint 1 of 3", "💡 Hint 2 of 3", "💡 Hint 3 of 3", "💡 Hint 3 of 3"]
    assert "q1.solution()" in shown[-1]


def test_missing_answer_is_not_attempted() -> None:
    for question in (q1, q2, q3, q4):
        assert question.evaluate(MISSING).status == "not_attempted"


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=lambda q: q.name)
def test_published_solution_passes_its_own_check(question: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """What ``qN.solution()`` prints is itself a correct answer."""
    question.solution()
    printed = capsys.readouterr().out
    code = printed.split("\n", 2)[2]  # drop the "Solution (python):" heading and the blank line
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    answers = [namespace[name] for name in question.answer_names]
    assert question.evaluate(*answers).status == "correct"


# --- q1: RequireMethods -------------------------------------------------------------------------


class RequireRight(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if not any(isinstance(base, RequireRight) for base in bases):
            return
        missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{name} is missing required method(s): {', '.join(missing)}")


class RequireInNewWithRootFlag(type):
    """Unusual but right: checks in ``__new__``, and marks the root with a flag in its own namespace."""

    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        cls = super().__new__(mcls, name, bases, namespace, **kwargs)
        if not any(isinstance(base, mcls) for base in bases):
            cls._is_root = True
            return cls
        problems = {m: getattr(cls, m, None) for m in cls.required_methods}
        missing = sorted(m for m, value in problems.items() if not callable(value))
        if missing:
            raise TypeError(f"cannot create {name}: define {' and '.join(missing)}")
        return cls


class RequireAtInstantiation(type):
    def __call__(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{cls.__name__} is missing: {', '.join(missing)}")
        return super().__call__(*args, **kwargs)


class RequireVagueMessage(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if any(isinstance(base, RequireVagueMessage) for base in bases):
            if not all(callable(getattr(cls, m, None)) for m in cls.required_methods):
                raise TypeError(f"{name} does not implement the interface")


class RequireFirstMissingOnly(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if any(isinstance(base, RequireFirstMissingOnly) for base in bases):
            for method in cls.required_methods:
                if not callable(getattr(cls, method, None)):
                    raise TypeError(f"{name} is missing {method}")


class RequireChecksRoot(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{name} is missing: {', '.join(missing)}")


class RequireOwnNamespaceOnly(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if any(isinstance(base, RequireOwnNamespaceOnly) for base in bases):
            missing = [m for m in cls.required_methods if not callable(namespace.get(m))]
            if missing:
                raise TypeError(f"{name} is missing: {', '.join(missing)}")


class RequireHasattr(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if any(isinstance(base, RequireHasattr) for base in bases):
            missing = [m for m in cls.required_methods if not hasattr(cls, m)]
            if missing:
                raise TypeError(f"{name} is missing: {', '.join(missing)}")


class RequireSkipsWhenNoBases(type):
    """Treats 'has no bases' as 'is the root', so a root with an ordinary base is checked."""

    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if bases:
            missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
            if missing:
                raise TypeError(f"{name} is missing: {', '.join(missing)}")


class RequireChildrenOnly(type):
    """Checks only the root's direct subclasses, never their subclasses."""

    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        roots = [b for b in bases if isinstance(b, RequireChildrenOnly) and type(b.__base__) is not RequireChildrenOnly]
        if roots:
            missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
            if missing:
                raise TypeError(f"{name} is missing: {', '.join(missing)}")


class RequireStub(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        raise NotImplementedError()


@pytest.mark.parametrize(
    "answer", [RequireRight, RequireInNewWithRootFlag, _from_solution(q1, "RequireMethods")], ids=lambda a: a.__name__
)
def test_q1_right_answers_pass(answer: Any) -> None:
    """Is a metaclass that checks in ``__new__`` and marks its root a different way judged Correct too?"""
    assert q1.evaluate(answer).status == "correct"


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (RequireAtInstantiation, ("should raise TypeError, but it succeeded", "at instantiation")),
        (RequireVagueMessage, ("should name each missing method", "['save']")),
        (RequireFirstMissingOnly, ("class Blank(Storage) without load and save", "['save']")),
        (RequireChecksRoot, ("class Storage(metaclass=RequireMethods)", "not itself checked")),
        (RequireOwnNamespaceOnly, ("class Backup(Disk)", "inherited methods count")),
        (RequireHasattr, ("class Placeholder(Storage) with save = None", "succeeded")),
        (RequireSkipsWhenNoBases, ("class Tagged(Named, metaclass=RequireMethods)", "ordinary base classes")),
        (RequireChildrenOnly, ("class Broken(Disk) with save = None", "succeeded")),
        (lambda name, bases, namespace: type(name, bases, namespace), ("should be a metaclass",)),
    ],
)
def test_q1_wrong_answers_are_explained(answer: Any, fragments: tuple[str, ...]) -> None:
    incorrect(q1.evaluate(answer), *fragments)


def test_q1_stub_is_not_attempted() -> None:
    assert q1.evaluate(RequireStub).status == "not_attempted"


# --- q2: EnforceFinal ---------------------------------------------------------------------------


class FinalByMetaclass(type):
    """Unusual but right: a metaclass that refuses in ``__new__``, before the class exists."""

    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        above = [klass for base in bases for klass in base.__mro__]
        for attribute in namespace:
            for klass in above:
                if getattr(klass.__dict__.get(attribute), "__final__", False):
                    raise TypeError(f"{attribute!r} was declared final by {klass.__qualname__}")
        return super().__new__(mcls, name, bases, namespace, **kwargs)


def _final_base(check: Any) -> type:
    """A base class whose ``__init_subclass__`` calls ``check(cls)``."""

    class EnforceFinal:
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            check(cls)

    return EnforceFinal


def _final_parent_only(cls: type) -> None:
    parent = cls.__base__
    for name in vars(cls):
        if getattr(vars(parent).get(name), "__final__", False):
            raise TypeError(f"{name} is final in {parent.__name__}")


def _final_first_base_mro(cls: type) -> None:
    for name in vars(cls):
        for above in cls.__bases__[0].__mro__:
            if getattr(vars(above).get(name), "__final__", False):
                raise TypeError(f"{name} is final in {above.__name__}")


def _final_any_override(cls: type) -> None:
    for name in vars(cls):
        if not name.startswith("__") and any(name in vars(above) for above in cls.__mro__[1:]):
            raise TypeError(f"{cls.__name__} may not override {name}")


def _final_names_the_subclass(cls: type) -> None:
    for name in vars(cls):
        if getattr(getattr(cls.__base__, name, None), "__final__", False):
            raise TypeError(f"{cls.__name__} may not redefine the final method {name}")


def _final_callables_only(cls: type) -> None:
    for name, value in vars(cls).items():
        if not callable(value):
            continue
        for above in cls.__mro__[1:]:
            if getattr(vars(above).get(name), "__final__", False):
                raise TypeError(f"{name} is final in {above.__name__}")


def _final_looks_at_the_new_class(cls: type) -> None:
    """Reads an inherited name through the new class, so it sees the override, never the final method."""
    for name in vars(cls):
        inherited = any(name in vars(above) for above in cls.__mro__[1:])
        if inherited and getattr(getattr(cls, name), "__final__", False):
            raise TypeError(f"{name} is final")


def _final_global_names() -> type:
    """Keeps one table of final names for every hierarchy: a name final anywhere is final everywhere."""
    finals: dict[str, str] = {}

    def check(cls: type) -> None:
        for name in vars(cls):
            if name in finals:
                raise TypeError(f"{name} is final (in {finals[name]})")
        for name, value in vars(cls).items():
            if getattr(value, "__final__", False):
                finals[name] = cls.__name__

    return _final_base(check)


class FinalAtInstantiation(type):
    def __call__(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        for name in vars(cls):
            for above in cls.__mro__[1:]:
                if getattr(vars(above).get(name), "__final__", False):
                    raise TypeError(f"{name} is final in {above.__name__}")
        return super().__call__(*args, **kwargs)


class FinalRefusesItsRoot(type):
    """Compares the new class with its own MRO, itself included: a class that marks a method refuses itself."""

    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        for attribute in namespace:
            for above in cls.__mro__:
                if getattr(vars(above).get(attribute), "__final__", False):
                    raise TypeError(f"{attribute} is final in {above.__name__}")


def test_q2_right_answers_pass() -> None:
    """Are the published base class and an unusual metaclass version both judged Correct?"""
    assert q2.evaluate(_from_solution(q2, "EnforceFinal")).status == "correct"
    assert q2.evaluate(FinalByMetaclass).status == "correct"


def test_q2_a_correct_answer_leaves_no_final_marks_behind() -> None:
    """Does the check work with the learner's own hierarchy in place, and can it be run twice?"""
    enforce = _from_solution(q2, "EnforceFinal")

    class Vault(enforce):  # type: ignore[misc, valid-type]
        @final
        def withdraw(self) -> str:
            return "vault"

    assert q2.evaluate(enforce).status == "correct"
    assert q2.evaluate(enforce).status == "correct"


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (_final_base(_final_parent_only), ("class Premium(Savings) redefining withdraw", "but it succeeded")),
        (_final_base(_final_first_base_mro), ("class Combo(Savings, Checking) redefining fee", "but it succeeded")),
        (_final_base(_final_any_override), ("class Savings(Account) overriding fee", "raised TypeError")),
        (_final_base(_final_names_the_subclass), ("should name the method ('withdraw')", "['Account']")),
        (_final_base(_final_callables_only), ("class Joint(Loggable, Account) with withdraw = None", "succeeded")),
        (_final_base(_final_looks_at_the_new_class), ("class Overdraft(Account) redefining withdraw", "succeeded")),
        (_final_global_names(), ("class Business(Account) redefining fee raised TypeError", "a sibling")),
        (
            FinalAtInstantiation,
            ("class Overdraft(Account)", "succeeded (Overdraft() raised TypeError", "instantiation"),
        ),
        (FinalRefusesItsRoot, ("class Account(metaclass=EnforceFinal) with a @final withdraw raised", "its own")),
        (final, ("should be a class",)),
    ],
    ids=[
        "parent-only",
        "first-base-only",
        "any-override",
        "names-the-subclass",
        "callables-only",
        "reads-the-new-class",
        "global-names",
        "at-instantiation",
        "refuses-its-root",
        "a-function",
    ],
)
def test_q2_wrong_answers_are_explained(answer: Any, fragments: tuple[str, ...]) -> None:
    incorrect(q2.evaluate(answer), *fragments)


def test_q2_stub_is_not_attempted() -> None:
    def stub(cls: type) -> None:
        raise NotImplementedError()

    assert q2.evaluate(_final_base(stub)).status == "not_attempted"


# --- q3: make_class with type() -----------------------------------------------------------------


make_class_right = _from_solution(q3, "make_class")


def make_class_with_new_class(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    """Unusual but right: ``types.new_class`` instead of ``type()``, and fields checked against a frozenset."""
    import types

    fields = frozenset(defaults)

    def __init__(self: Any, /, **values: Any) -> None:
        if not values.keys() <= fields:
            raise TypeError(f"unexpected field(s) {sorted(values.keys() - fields)}")
        self.__dict__.update(values)

    def body(namespace: dict[str, Any]) -> None:
        namespace.update(defaults)
        namespace["__init__"] = __init__

    return types.new_class(name, bases, exec_body=body)


def make_class_ignores_bases(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    return make_class_right(name, (), defaults)


def make_class_sets_on_class(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    def __init__(self: Any, **overrides: Any) -> None:
        for key, value in overrides.items():
            if key not in defaults:
                raise TypeError(key)
            setattr(type(self), key, value)

    return type(name, bases, {**defaults, "__init__": __init__})


def make_class_mutates_defaults(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    def __init__(self: Any, **overrides: Any) -> None:
        for key, value in overrides.items():
            if key not in defaults or key == "__init__":
                raise TypeError(key)
            setattr(self, key, value)

    defaults["__init__"] = __init__
    return type(name, bases, defaults)


def make_class_accepts_anything(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    def __init__(self: Any, **overrides: Any) -> None:
        vars(self).update(overrides)

    return type(name, bases, {**defaults, "__init__": __init__})


def make_class_hasattr_guard(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    """Treats anything the class has (inherited methods too) as a field."""

    def __init__(self: Any, **overrides: Any) -> None:
        for key, value in overrides.items():
            if not hasattr(type(self), key):
                raise TypeError(key)
            setattr(self, key, value)

    return type(name, bases, {**defaults, "__init__": __init__})


def make_class_positional_too(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    def __init__(self: Any, *values: Any, **overrides: Any) -> None:
        overrides.update(zip(defaults, values, strict=False))
        for key, value in overrides.items():
            if key not in defaults:
                raise TypeError(key)
            setattr(self, key, value)

    return type(name, bases, {**defaults, "__init__": __init__})


_cache: dict[str, type] = {}


def make_class_cached(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    """Hands back the class it made before for the same name."""
    if name not in _cache:
        _cache[name] = make_class_right(name, bases, defaults)
    return _cache[name]


def make_class_stub(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    raise NotImplementedError()


@pytest.mark.parametrize("answer", [make_class_right, make_class_with_new_class], ids=lambda a: a.__name__)
def test_q3_right_answers_pass(answer: Any) -> None:
    """Is a class built with ``types.new_class`` and a positional-only ``self`` judged Correct too?"""
    assert q3.evaluate(answer).status == "correct"


@pytest.mark.parametrize(
    ("answer", "fragments"),
    [
        (make_class_ignores_bases, ("bases (Shape,)", "(object,)")),
        (make_class_sets_on_class, ("on the instance (self), not on the class",)),
        (make_class_mutates_defaults, ("changed the defaults dict", "['__init__']")),
        (make_class_accepts_anything, ("Point(z=1)", "should raise TypeError")),
        (make_class_hasattr_guard, ("Square(describe='flat')", "should raise TypeError")),
        (make_class_positional_too, ("Point(3)", "keyword only")),
        (make_class_cached, ("returned the same class object",)),
        ("Point", ("should be a function",)),
    ],
    ids=["ignores-bases", "on-class", "mutates", "anything", "hasattr", "positional", "cached", "a-string"],
)
def test_q3_wrong_answers_are_explained(answer: Any, fragments: tuple[str, ...]) -> None:
    incorrect(q3.evaluate(answer), *fragments)


def test_q3_stub_is_not_attempted() -> None:
    assert q3.evaluate(make_class_stub).status == "not_attempted"


# --- q4: registries at every level --------------------------------------------------------------


def _plugin(register: Any) -> type:
    """A ``Plugin`` whose ``__init_subclass__`` calls ``register(Plugin, cls, key)`` after the super() call."""

    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str | None = None, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            register(Plugin, cls, key)

    return Plugin


def _above(plugin: type, cls: type) -> list[type]:
    return [base for base in cls.__mro__[1:] if issubclass(base, plugin)]


def _shared_registry(plugin: type, cls: type, key: str | None) -> None:
    """Never gives a class its own dict: every class reads Plugin's."""
    if key is not None:
        if key in plugin.registry:  # type: ignore[attr-defined]
            raise ValueError(key)
        for base in _above(plugin, cls):
            base.registry[key] = cls  # type: ignore[attr-defined]


def _root_only(plugin: type, cls: type, key: str | None) -> None:
    """The chapter's registry: only the root's dict is filled."""
    if key is not None:
        if key in plugin.registry:  # type: ignore[attr-defined]
            raise ValueError(key)
        plugin.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


def _direct_bases_only(plugin: type, cls: type, key: str | None) -> None:
    parents = [base for base in cls.__bases__ if issubclass(base, plugin)]
    if key is not None:
        if any(key in base.registry for base in parents):  # type: ignore[attr-defined]
            raise ValueError(key)
        for base in parents:
            base.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


def _first_base_chain(plugin: type, cls: type, key: str | None) -> None:
    """Climbs ``__base__`` (the first base at each level), so a second base is never reached."""
    chain, base = [], cls.__base__
    while base is not None and issubclass(base, plugin):
        chain.append(base)
        base = base.__base__
    if key is not None:
        if any(key in above.registry for above in chain):  # type: ignore[attr-defined]
            raise ValueError(key)
        for above in chain:
            above.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


def _families_by_name(plugin: type, cls: type, key: str | None) -> None:
    """Registers a class without a key under its lowercased name."""
    key = key or cls.__name__.lower()
    above = _above(plugin, cls)
    if any(key in base.registry for base in above):  # type: ignore[attr-defined]
        raise ValueError(key)
    for base in above:
        base.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


def _checks_while_writing(plugin: type, cls: type, key: str | None) -> None:
    """Adds the class level by level and stops at the first taken key: the nearer levels were already changed."""
    if key is not None:
        for base in _above(plugin, cls):
            if key in base.registry:  # type: ignore[attr-defined]
                raise ValueError(f"key {key!r} is taken")
            base.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


def _lists_itself(plugin: type, cls: type, key: str | None) -> None:
    """Starts each class's own registry with the class itself."""
    above = _above(plugin, cls)
    if key is not None:
        if any(key in base.registry for base in above):  # type: ignore[attr-defined]
            raise ValueError(key)
        for base in above:
            base.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {key: cls} if key is not None else {}  # type: ignore[attr-defined]


def _overwrites(plugin: type, cls: type, key: str | None) -> None:
    if key is not None:
        for base in _above(plugin, cls):
            base.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


def _plugin_without_super() -> type:
    """Right in every other way, but never calls super().__init_subclass__."""

    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str | None = None, **kwargs: Any) -> None:
            above = _above(Plugin, cls)
            if key is not None:
                if any(key in base.registry for base in above):
                    raise ValueError(f"key {key!r} is taken")
                for base in above:
                    base.registry[key] = cls
            cls.registry = {}

    return Plugin


def _plugin_by_metaclass() -> type:
    """Unusual but right: a metaclass does the work in ``__init__`` and keeps ``key`` away from ``type.__new__``."""

    class Registering(type):
        def __new__(mcls, name, bases, namespace, key=None, **kwargs):  # type: ignore[no-untyped-def]
            return super().__new__(mcls, name, bases, namespace, **kwargs)

        def __init__(cls, name, bases, namespace, key=None, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(name, bases, namespace, **kwargs)
            levels = [klass for klass in cls.__mro__[1:] if isinstance(klass, Registering)]
            if key is not None:
                clashes = [klass.__name__ for klass in levels if key in klass.registry]
                if clashes:
                    raise ValueError(f"{key!r} is already registered in {clashes}")
                for klass in levels:
                    klass.registry[key] = cls
            cls.registry = {}

    class Plugin(metaclass=Registering):
        pass

    return Plugin


def _plugin_computed() -> type:
    """Unusual but right: each registry is computed on access from ``__subclasses__()``; keys checked on creation."""

    class Computed(type):
        @property
        def registry(cls) -> dict[str, type]:
            found: dict[str, type] = {}
            waiting = list(type.__subclasses__(cls))
            while waiting:
                klass = waiting.pop(0)
                key = vars(klass).get("_plugin_key")
                if key is not None:
                    found[key] = klass
                waiting.extend(type.__subclasses__(klass))
            return found

    class Plugin(metaclass=Computed):
        def __init_subclass__(cls, *, key: str | None = None, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            if key is not None:
                if key in Plugin.registry:
                    raise ValueError(f"the key {key!r} is in use")
                cls._plugin_key = key

    return Plugin


def _plugin_stub() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str | None = None, **kwargs: Any) -> None:
            raise NotImplementedError()

    return Plugin


@pytest.mark.parametrize(
    "make",
    [lambda: _from_solution(q4, "Plugin"), _plugin_by_metaclass, _plugin_computed],
    ids=["published", "metaclass", "computed-on-access"],
)
def test_q4_right_answers_pass_and_can_be_checked_again(make: Any) -> None:
    """Are a metaclass version and a registry computed from __subclasses__() Correct, run after run?"""
    plugin = make()
    assert q4.evaluate(plugin).status == "correct"
    assert q4.evaluate(plugin).status == "correct"  # the check's own plugins were taken out again


def test_q4_leaves_the_learners_registry_as_it_was() -> None:
    plugin = _from_solution(q4, "Plugin")

    class Mine(plugin, key="mine"):  # type: ignore[call-arg, misc, valid-type]
        pass

    assert q4.evaluate(plugin).status == "correct"
    assert plugin.registry == {"mine": Mine}


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda: _plugin(_shared_registry), ("CheckExport.registry is the very dict of Plugin",)),
        (lambda: _plugin(_root_only), ("CheckExport.registry should be {'check-csv': CheckCsv}, got {}",)),
        (lambda: _plugin(_direct_bases_only), ("after class CheckCsv, Plugin.registry should have gained",)),
        (lambda: _plugin(_first_base_chain), ("after class CheckBoth, CheckJson.registry should be", "two bases")),
        (lambda: _plugin(_families_by_name), ("gained {'checkexport': CheckExport}", "registered nowhere")),
        (lambda: _plugin(_checks_while_writing), ("the registry of CheckJson had changed", "before adding")),
        (lambda: _plugin(_lists_itself), ("CheckCsv.registry should be {}, got {'check-csv': CheckCsv}",)),
        (lambda: _plugin(_overwrites), ("the key is taken by CheckCsv", "should raise ValueError")),
        (_plugin_without_super, ("Audited, never ran", "super().__init_subclass__(**kwargs)")),
        (lambda: object(), ("should be a class",)),
    ],
    ids=[
        "shared-dict",
        "root-only",
        "direct-bases",
        "first-base-chain",
        "families",
        "writes-while-checking",
        "lists-itself",
        "overwrites",
        "no-super",
        "not-a-class",
    ],
)
def test_q4_wrong_answers_are_explained(make: Any, fragments: tuple[str, ...]) -> None:
    incorrect(q4.evaluate(make()), *fragments)


def test_q4_a_wrong_answer_still_gets_its_registry_back() -> None:
    plugin = _plugin(_overwrites)
    incorrect(q4.evaluate(plugin), "should raise ValueError")
    assert plugin.registry == {}  # type: ignore[attr-defined]


def test_q4_a_hook_that_runs_twice_is_told_so() -> None:
    """Is an answer that calls the other base's hook a second time told, in words, how often it ran?"""

    def twice(plugin: type, cls: type, key: str | None) -> None:
        above = _above(plugin, cls)
        if key is not None:
            if any(key in base.registry for base in above):  # type: ignore[attr-defined]
                raise ValueError(key)
            for base in above:
                base.registry[key] = cls  # type: ignore[attr-defined]
        cls.registry = {}  # type: ignore[attr-defined]
        super(plugin, cls).__init_subclass__()

    incorrect(q4.evaluate(_plugin(twice)), "Audited, ran 2 times instead of once")


def test_q4_stub_is_not_attempted() -> None:
    assert q4.evaluate(_plugin_stub()).status == "not_attempted"


# --- answers found by an adversarial review ------------------------------------------------------
# Each answer below once got a wrong verdict or a misleading message.


class RequireLoopsForever(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        while True:
            pass


def _final_loops_forever(cls: type) -> None:
    while True:
        pass


def make_class_loops_forever(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    while True:
        pass


def _plugin_loops_forever() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str | None = None, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            while True:
                pass

    return Plugin


@pytest.mark.parametrize(
    ("question", "make"),
    [
        (q1, lambda: RequireLoopsForever),
        (q2, lambda: _final_base(_final_loops_forever)),
        (q3, lambda: make_class_loops_forever),
        (q4, _plugin_loops_forever),
    ],
    ids=["q1", "q2", "q3", "q4"],
)
def test_an_endless_loop_is_stopped_by_the_time_limit(
    question: Any, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is an answer that never returns told so, instead of hanging the check?"""
    monkeypatch.setattr(type(question), "time_limit", 0.5)
    incorrect(question.evaluate(make()), "after 0.5 s", "a loop that never ends")


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=lambda q: q.name)
def test_time_limit_is_set_with_room_for_a_slow_machine(question: Any) -> None:
    """Is an endless answer stopped, at a limit far above the solution's check (a few ms, measured)?

    Only the limit is asserted here: timing the check in a test would flake on a busy machine.
    """
    assert question.time_limit is not None and question.time_limit >= 5


class RequireRaisesNotImplemented(type):
    """Reports a missing method with NotImplementedError: its own error, with a message, not the placeholder."""

    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if any(isinstance(base, RequireRaisesNotImplemented) for base in bases):
            missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
            if missing:
                raise NotImplementedError(f"{name} must implement {', '.join(missing)}")


class RequireIsNone(type):
    """Counts anything that is not None as a method."""

    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if any(isinstance(base, RequireIsNone) for base in bases):
            missing = [m for m in cls.required_methods if getattr(cls, m, None) is None]
            if missing:
                raise TypeError(f"{name} is missing {', '.join(missing)}")


def _final_callables_or_none(cls: type) -> None:
    """Protects final methods only from functions and None."""
    for name, value in vars(cls).items():
        if not (callable(value) or value is None):
            continue
        for above in cls.__mro__[1:]:
            if getattr(vars(above).get(name), "__final__", False):
                raise TypeError(f"{name} is final in {above.__name__}")


def _final_leaves_properties(cls: type) -> None:
    """Lets properties through, as if they were no methods."""
    for name, value in vars(cls).items():
        if isinstance(value, property):
            continue
        for above in cls.__mro__[1:]:
            if getattr(vars(above).get(name), "__final__", False):
                raise TypeError(f"{name} is final in {above.__name__}")


def make_class_vars_guard(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    """Treats whatever the new class holds itself (its __doc__, __module__ …) as a field."""

    def __init__(self: Any, **overrides: Any) -> None:
        for key, value in overrides.items():
            if key not in vars(type(self)):
                raise TypeError(key)
            setattr(self, key, value)

    return type(name, bases, {**defaults, "__init__": __init__})


def make_class_aliases_defaults(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    """Means to copy the defaults in __init__, but changes the caller's dict instead."""

    def __init__(self: Any, **overrides: Any) -> None:
        values = defaults  # not a copy
        for key in overrides:
            if key not in values:
                raise TypeError(key)
        values.update(overrides)
        for key, value in values.items():
            setattr(self, key, value)

    return type(name, bases, {**defaults, "__init__": __init__})


def make_class_empties_defaults(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    fields = {key: defaults.pop(key) for key in list(defaults)}

    def __init__(self: Any, **overrides: Any) -> None:
        for key, value in overrides.items():
            if key not in fields:
                raise TypeError(key)
            setattr(self, key, value)

    return type(name, bases, {**fields, "__init__": __init__})


def make_class_dataclass(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    """Unusual but right: dataclasses.make_dataclass with keyword-only fields."""
    import dataclasses

    fields = [(key, type(value), dataclasses.field(default=value)) for key, value in defaults.items()]
    return dataclasses.make_dataclass(name, fields, bases=bases, kw_only=True)


def test_q3_a_keyword_only_dataclass_passes() -> None:
    assert q3.evaluate(make_class_dataclass).status == "correct"


def _plugin_raises_not_implemented(plugin: type, cls: type, key: str | None) -> None:
    above = _above(plugin, cls)
    if key is not None:
        if any(key in base.registry for base in above):  # type: ignore[attr-defined]
            raise NotImplementedError(f"the key {key} is taken")
        for base in above:
            base.registry[key] = cls  # type: ignore[attr-defined]
    cls.registry = {}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("question", "answer", "fragments", "absent"),
    [
        (
            q1,
            RequireRaisesNotImplemented,
            ["class Half(Storage) without save should raise TypeError, but it raised NotImplementedError"],
            [],
        ),
        (
            q1,
            RequireIsNone,
            ["class Sneaky(Storage) with load = 'not a method' and save = 42", "but it succeeded"],
            [],
        ),
        (q2, _final_base(_final_callables_or_none), ["class Zeroed(Account) with withdraw = 0", "succeeded"], []),
        (
            q2,
            _final_base(_final_leaves_properties),
            ["class Sly(Account) with withdraw = property(...)", "succeeded"],
            [],
        ),
        (q3, make_class_vars_guard, ["Point(__doc__='x')", "should raise TypeError, but it succeeded"], []),
        (
            q3,
            make_class_aliases_defaults,
            ["Point(x=3) changed the defaults dict that was given to make_class (set x from 0 to 3)"],
            ["not on the class"],
        ),
        (
            q3,
            make_class_empties_defaults,
            ["make_class changed the defaults dict it was given (removed ['x', 'y'])"],
            ["added []"],
        ),
        (
            q4,
            _plugin(_plugin_raises_not_implemented),
            ["the key is taken by CheckCsv) should raise ValueError, but it raised NotImplementedError"],
            [],
        ),
    ],
    ids=[
        "q1-own-not-implemented",
        "q1-is-none",
        "q2-withdraw-0",
        "q2-property",
        "q3-vars-guard",
        "q3-aliases-defaults",
        "q3-empties-defaults",
        "q4-own-not-implemented",
    ],
)
def test_found_answers_are_incorrect_and_told_what_happened(
    question: Any, answer: Any, fragments: list[str], absent: list[str]
) -> None:
    outcome = question.evaluate(answer)
    incorrect(outcome, *fragments)
    for words in absent:
        assert words not in outcome.message, outcome.message


def test_q2_method_hint_is_in_words() -> None:
    """Does rung 2 describe the method without the expressions that, with rung 3's shape, would spell the answer?"""
    method = q2.hints[1]
    assert [word for word in ("vars(", "__mro__", "mro()", "getattr", "__final__") if word in method] == []
