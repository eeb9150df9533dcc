"""Metaclass chapter checks: right answers pass, plausible wrong ones are told why, stubs are not attempted."""

from __future__ import annotations

from typing import Any

import pytest
from checking import incorrect

from course.chapters.metaclasses.questions import q1, q2, q3, q4
from course.solutions import define

# --- q1: make_class with type() -------------------------------------------------------------


def _from_solution(question: Any, name: str) -> Any:
    """The reference answer the learner sees with ``qN.solution()``, as an object."""
    return define(question)[name]


make_class_right = _from_solution(q1, "make_class")


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


def make_class_stub(name: str, bases: tuple[type, ...], defaults: dict[str, Any]) -> type:
    raise NotImplementedError()


def test_q1_correct() -> None:
    assert q1.evaluate(make_class_right).status == "correct"


def test_q1_wrong_answers_are_explained() -> None:
    incorrect(q1.evaluate(make_class_ignores_bases), "bases (Shape,)", "(object,)")
    incorrect(q1.evaluate(make_class_sets_on_class), "on the instance (self), not on the class")
    incorrect(q1.evaluate(make_class_mutates_defaults), "changed the defaults dict", "['__init__']")
    incorrect(q1.evaluate(make_class_accepts_anything), "Point(z=1)", "should raise TypeError")
    incorrect(q1.evaluate(make_class_hasattr_guard), "Square(describe='flat')", "should raise TypeError")
    incorrect(q1.evaluate(make_class_positional_too), "Point(3)", "keyword only")
    incorrect(q1.evaluate("Point"), "should be a function")


def test_q1_stub_is_not_attempted() -> None:
    assert q1.evaluate(make_class_stub).status == "not_attempted"


# --- q2: FinalMeta ------------------------------------------------------------------------------


class FinalRight(type):
    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        for base in bases:
            if isinstance(base, FinalRight):
                raise TypeError(f"{base.__name__} is final: it cannot be subclassed (by {name})")
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class FinalBreaksItself(type):
    """Refuses any class that has bases — including a final class with an ordinary base."""

    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        if bases:
            raise TypeError(f"{bases[0].__name__} is final")
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class FinalAlwaysRaises(type):
    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError(f"{name} is final")


class FinalFirstBaseOnly(type):
    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        if bases and isinstance(bases[0], FinalFirstBaseOnly):
            raise TypeError(f"{bases[0].__name__} is final")
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class FinalVagueMessage(type):
    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        if any(isinstance(base, FinalVagueMessage) for base in bases):
            raise TypeError("cannot subclass a final class")
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class FinalNamesFirstBase(type):
    """Names the first base, which is not always the final one."""

    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        if any(isinstance(base, FinalNamesFirstBase) for base in bases):
            raise TypeError(f"{bases[0].__name__} is final")
        return super().__new__(mcls, name, bases, namespace, **kwargs)


def final_as_function(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
    return type(name, bases, namespace)


class FinalStub(type):
    def __new__(mcls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        raise NotImplementedError()


def test_q2_correct() -> None:
    assert q2.evaluate(FinalRight).status == "correct"


def test_q2_wrong_answers_are_explained() -> None:
    incorrect(q2.evaluate(FinalBreaksItself), "class Ticket(Printable, metaclass=FinalMeta) raised TypeError")
    incorrect(q2.evaluate(FinalAlwaysRaises), "class Money(metaclass=FinalMeta) raised", "final class itself")
    incorrect(q2.evaluate(FinalFirstBaseOnly), "class Mixed(Printable, Money)", "succeeded")
    incorrect(q2.evaluate(FinalVagueMessage), "should name the final class 'Money'")
    incorrect(q2.evaluate(FinalNamesFirstBase), "class Mixed(Printable, Money)", "'Printable is final'")
    incorrect(q2.evaluate(final_as_function), "should be a metaclass")
    incorrect(q2.evaluate(type), "class Cheap(Money)", "succeeded")


def test_q2_stub_is_not_attempted() -> None:
    assert q2.evaluate(FinalStub).status == "not_attempted"


# --- q3: Plugin registry ------------------------------------------------------------------------


def plugin_right() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            if key in Plugin.registry:
                raise ValueError(f"plugin key {key!r} is already taken by {Plugin.registry[key].__name__}")
            Plugin.registry[key] = cls

    return Plugin


def plugin_registers_base() -> type:
    """A metaclass registry without the guard for the root class."""
    registry: dict[str, type] = {}

    class Registering(type):
        def __init__(cls, name, bases, namespace, key=None, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(name, bases, namespace, **kwargs)
            key = key or name.lower()
            if key in registry:
                raise ValueError(f"{key!r} taken")
            registry[key] = cls

    class Plugin(metaclass=Registering):
        pass

    Plugin.registry = registry  # type: ignore[attr-defined]
    return Plugin


def plugin_ignores_key() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            Plugin.registry[cls.__name__.lower()] = cls

    return Plugin


def plugin_overwrites_duplicates() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            Plugin.registry[key] = cls

    return Plugin


def plugin_rebinds_registry() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            if key in cls.registry:
                raise ValueError(key)
            cls.registry = {**cls.registry, key: cls}

    return Plugin


def plugin_replaces_then_complains() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            taken = key in Plugin.registry
            Plugin.registry[key] = cls
            if taken:
                raise ValueError(f"key {key!r} was taken")

    return Plugin


def plugin_without_super() -> type:
    """Never calls super().__init_subclass__, so another base's hook is skipped."""

    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            if key in Plugin.registry:
                raise ValueError(f"plugin key {key!r} is taken")
            Plugin.registry[key] = cls

    return Plugin


def plugin_stub() -> type:
    class Plugin:
        registry: dict[str, type] = {}

        def __init_subclass__(cls, *, key: str, **kwargs: Any) -> None:
            raise NotImplementedError()

    return Plugin


def test_q3_correct_and_leaves_registry_as_it_was() -> None:
    plugin = plugin_right()

    class Mine(plugin, key="mine"):  # type: ignore[call-arg]
        pass

    assert q3.evaluate(plugin).status == "correct"
    assert q3.evaluate(plugin).status == "correct"  # runs again: the check's own classes were removed
    assert plugin.registry == {"mine": Mine}


def test_q3_wrong_answers_are_explained() -> None:
    incorrect(q3.evaluate(plugin_registers_base()), "Plugin itself is in Plugin.registry")
    incorrect(q3.evaluate(plugin_ignores_key()), "Plugin.registry['check-csv'] should be CheckCsv", "checkcsv")
    overwriting = plugin_overwrites_duplicates()
    incorrect(q3.evaluate(overwriting), "a key that is already taken", "should raise ValueError")
    assert overwriting.registry == {}  # the check removed its classes even though the answer was wrong
    incorrect(q3.evaluate(plugin_replaces_then_complains()), "a refused duplicate replaced CheckCsv")
    incorrect(q3.evaluate(plugin_rebinds_registry()), "got None", "CheckCsv got a registry dict of its own")
    incorrect(q3.evaluate(plugin_without_super()), "Audited, should run once", "super().__init_subclass__(**kwargs)")
    incorrect(q3.evaluate(object()), "should be a class")


def test_q3_stub_is_not_attempted() -> None:
    assert q3.evaluate(plugin_stub()).status == "not_attempted"


# --- q4: RequireMethods -------------------------------------------------------------------------


class RequireRight(type):
    def __init__(cls, name, bases, namespace, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(name, bases, namespace, **kwargs)
        if not any(isinstance(base, RequireRight) for base in bases):
            return
        missing = [m for m in cls.required_methods if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{name} is missing required method(s): {', '.join(missing)}")


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


def test_q4_correct() -> None:
    assert q4.evaluate(RequireRight).status == "correct"


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
def test_q4_wrong_answers_are_explained(answer: Any, fragments: tuple[str, ...]) -> None:
    incorrect(q4.evaluate(answer), *fragments)


def test_q4_stub_is_not_attempted() -> None:
    assert q4.evaluate(RequireStub).status == "not_attempted"


def test_missing_answer_is_not_attempted() -> None:
    from course.checks import MISSING

    for question in (q1, q2, q3, q4):
        assert question.evaluate(MISSING).status == "not_attempted"


@pytest.mark.parametrize("question", [q1, q2, q3, q4], ids=lambda q: q.name)
def test_published_solution_passes_its_own_check(question: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """What ``qN.solution()`` prints is itself a correct answer, and ``qN.hint()`` says something."""
    question.solution()
    printed = capsys.readouterr().out
    code = printed.split("\n", 2)[2]  # drop the "Solution (python):" heading and the blank line
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    answers = [namespace[name] for name in question.answer_names]
    assert question.evaluate(*answers).status == "correct"
    question.hint()
    assert len(capsys.readouterr().out) > 40
