"""Questions for the metaclasses chapter (answers in ``solutions/01-metaclasses.ipynb``).

Each check builds fresh classes with the learner's function, metaclass or base
class (several cases, including edge cases) and judges what happens — when a
class statement succeeds or fails, what ends up in a registry, what an error
message says — never the source text.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from course.chapters.metaclasses import CHAPTER
from course.checks import Question, bind
from course.checks.expect import Incorrect, attempt, expect_equal, expect_raises


def _new_class(name: str, bases: tuple[type, ...], namespace: dict[str, Any] | None = None, **keywords: Any) -> type:
    """Create a class exactly as a ``class`` statement would (metaclass, ``__prepare__``, class keywords)."""
    return types.new_class(name, bases, keywords, lambda body: body.update(namespace or {}))


def _expect_metaclass(name: str, answer: Any) -> None:
    """The answer must be a class deriving from ``type``."""
    if not (isinstance(answer, type) and issubclass(answer, type)):
        raise Incorrect(f"`{name}` should be a metaclass — a class deriving from type — got {answer!r}")


class MakeClass(Question):
    """Q1: build a class with ``type()`` from a specification."""

    answer_names = ("make_class",)
    hint_text = """
        Call type(name, bases, namespace). The namespace is a new dict: the defaults plus an
        `__init__(self, **overrides)` function that rejects unknown names with TypeError and
        stores the others with setattr(self, key, value) — on the instance, not on the class.
        Build a new dict ({**defaults, ...}) rather than adding keys to the caller's one.
    """

    def judge(self, make_class: Any) -> None:
        if not callable(make_class):
            raise Incorrect(f"`make_class` should be a function, got {make_class!r}")
        defaults = {"x": 0, "y": 0}
        call = "make_class('Point', (), {'x': 0, 'y': 0})"
        point = attempt(call, lambda: make_class("Point", (), defaults))
        if not isinstance(point, type):
            raise Incorrect(f"{call} should return a class, got {type(point).__name__} {point!r}")
        expect_equal(f"{call}.__name__", "Point", point.__name__)
        expect_equal(f"{call}.__bases__ (no bases given means just object)", (object,), point.__bases__)
        if defaults != {"x": 0, "y": 0}:
            added = sorted(set(defaults) - {"x", "y"})
            raise Incorrect(
                f"make_class changed the defaults dict it was given (added {added}); build a new dict instead"
            )
        expect_equal("Point.x, a class attribute taken from the defaults", 0, getattr(point, "x", None))
        moved = attempt("Point(x=3)", lambda: point(x=3))
        expect_equal("Point(x=3).x", 3, getattr(moved, "x", None))
        expect_equal("Point(x=3).y (not overridden, so the default)", 0, getattr(moved, "y", None))
        fresh = attempt("Point()", lambda: point())
        if getattr(fresh, "x", None) != 0 or point.x != 0:
            raise Incorrect(
                f"after Point(x=3), Point().x should still be 0 but is {getattr(fresh, 'x', None)!r}: "
                "store overrides on the instance (self), not on the class"
            )
        expect_raises("Point(z=1) (z is not a field)", lambda: point(z=1))
        expect_raises("Point(3) (fields are given by keyword only)", lambda: point(3))

        class Shape:
            def describe(self) -> str:
                return f"{type(self).__name__} with {self.sides} sides"

        square = attempt(
            "make_class('Square', (Shape,), {'sides': 4})", lambda: make_class("Square", (Shape,), {"sides": 4})
        )
        if not (isinstance(square, type) and square.__bases__ == (Shape,)):
            bases = getattr(square, "__bases__", None)
            shown = f"({', '.join(base.__name__ for base in bases)},)" if isinstance(bases, tuple) else bases
            raise Incorrect(f"make_class('Square', (Shape,), ...) should have bases (Shape,), got {shown}")
        expect_equal(
            "Square(sides=5).describe()",
            "Square with 5 sides",
            attempt("Square(sides=5)", lambda: square(sides=5)).describe(),
        )
        expect_raises(
            "Square(describe='flat') (describe is a method inherited from Shape, not a field)",
            lambda: square(describe="flat"),
        )

        empty = attempt("make_class('Empty', (), {})", lambda: make_class("Empty", (), {}))
        attempt("Empty() (a class with no fields)", lambda: empty())
        expect_raises("Empty(a=1) (a class with no fields)", lambda: empty(a=1))
        again = attempt("a second make_class('Point', ...)", lambda: make_class("Point", (), {"x": 0, "y": 0}))
        if again is point:
            raise Incorrect(
                "two calls to make_class returned the same class object; each call should build a new class"
            )


class FinalClass(Question):
    """Q2: a metaclass that makes its classes final."""

    answer_names = ("FinalMeta",)
    hint_text = """
        In FinalMeta.__new__, look at the bases: if any of them is itself an instance of FinalMeta
        (isinstance(base, FinalMeta)), someone is subclassing a final class — raise TypeError and put
        that base's __name__ in the message. Otherwise create the class with super().__new__(...).
        Don't refuse every class that has bases: a final class may inherit from ordinary classes.
    """

    def judge(self, final_meta: Any) -> None:
        _expect_metaclass("FinalMeta", final_meta)
        itself = "the final class itself must be definable; only its subclasses are refused"

        def money() -> type:
            class Money(metaclass=final_meta):
                def __init__(self, cents: int) -> None:
                    self.cents = cents

            return Money

        final = attempt("class Money(metaclass=FinalMeta)", money, itself)
        expect_equal("Money(250).cents", 250, getattr(attempt("Money(250)", lambda: final(250)), "cents", None))

        class Printable:
            kind = "printable"

        def ticket() -> type:
            class Ticket(Printable, metaclass=final_meta):
                pass

            return Ticket

        with_base = attempt(
            "class Ticket(Printable, metaclass=FinalMeta)", ticket, itself + " (even with ordinary bases)"
        )
        expect_equal("Ticket.kind, inherited from Printable", "printable", getattr(with_base, "kind", None))

        message = expect_raises("class Cheap(Money) (subclassing a final class)", lambda: _new_class("Cheap", (final,)))
        if "Money" not in message:
            raise Incorrect(f"the TypeError for subclassing Money should name the final class 'Money'; got {message!r}")
        message = expect_raises(
            "class Mixed(Printable, Money) (a final class as the second base)",
            lambda: _new_class("Mixed", (Printable, final)),
        )
        if "Money" not in message:
            raise Incorrect(
                f"the TypeError for class Mixed(Printable, Money) should name the final class 'Money'; got {message!r}"
            )
        message = expect_raises(
            "class Upgrade(Ticket) (subclassing another final class)", lambda: _new_class("Upgrade", (with_base,))
        )
        if "Ticket" not in message:
            raise Incorrect(f"the TypeError for subclassing Ticket should name 'Ticket'; got {message!r}")


class PluginRegistry(Question):
    """Q3: an automatic registry with ``__init_subclass__`` and a class keyword."""

    answer_names = ("Plugin",)
    hint_text = """
        __init_subclass__(cls, *, key, **kwargs) runs for every subclass, never for Plugin itself.
        Call super().__init_subclass__(**kwargs), refuse a key already in Plugin.registry with
        ValueError (name the key in the message), then store Plugin.registry[key] = cls.
        Write into the one dict on Plugin: `cls.registry = {...}` would give the subclass a new dict.
    """

    def judge(self, plugin: Any) -> None:
        if not isinstance(plugin, type):
            raise Incorrect(f"`Plugin` should be a class, got {plugin!r}")
        registry = getattr(plugin, "registry", None)
        if not isinstance(registry, dict):
            raise Incorrect(f"Plugin.registry should be a dict, got {registry!r}")
        saved = dict(registry)
        try:
            self._cases(plugin)
        finally:  # leave the learner's registry as it was, so the check can run again
            registry.clear()
            registry.update(saved)
            plugin.registry = registry

    @staticmethod
    def _cases(plugin: Any) -> None:
        def registered(key: str) -> Any:
            return plugin.registry.get(key) if isinstance(plugin.registry, dict) else None

        def base_registered() -> None:
            for key, value in plugin.registry.items():
                if value is plugin:
                    raise Incorrect(
                        f"Plugin itself is in Plugin.registry (under {key!r}); register only its subclasses"
                    )

        base_registered()
        csv = attempt(
            'class CheckCsv(Plugin, key="check-csv")', lambda: _new_class("CheckCsv", (plugin,), key="check-csv")
        )
        if registered("check-csv") is not csv:
            found = registered("check-csv")
            own = (
                " CheckCsv got a registry dict of its own: write into Plugin.registry."
                if "registry" in vars(csv)
                else ""
            )
            raise Incorrect(
                "after class CheckCsv(Plugin, key=\"check-csv\"), Plugin.registry['check-csv'] should be CheckCsv, "
                f"got {getattr(found, '__name__', found)!r} (registry keys: {sorted(map(str, plugin.registry))}).{own}"
            )
        attempt("CheckCsv()", lambda: csv())
        tsv = attempt(
            'class CheckTsv(CheckCsv, key="check-tsv")', lambda: _new_class("CheckTsv", (csv,), key="check-tsv")
        )
        if registered("check-tsv") is not tsv:
            raise Incorrect(
                'a subclass of a subclass should be registered too: after class CheckTsv(CheckCsv, key="check-tsv"), '
                f"Plugin.registry['check-tsv'] is {getattr(registered('check-tsv'), '__name__', None)!r}"
            )
        if registered("check-csv") is not csv:
            raise Incorrect("registering CheckTsv changed Plugin.registry['check-csv']; it should still be CheckCsv")
        message = expect_raises(
            'class Clash(Plugin, key="check-csv") (a key that is already taken)',
            lambda: _new_class("Clash", (plugin,), key="check-csv"),
            ValueError,
        )
        if "check-csv" not in message:
            raise Incorrect(f"the ValueError for a taken key should name the key 'check-csv'; got {message!r}")
        if registered("check-csv") is not csv:
            raise Incorrect("a refused duplicate replaced CheckCsv in the registry; the first class should stay")
        PluginRegistry._cooperates(plugin, registered)
        base_registered()

    @staticmethod
    def _cooperates(plugin: Any, registered: Callable[[str], Any]) -> None:
        """With a second base that has its own ``__init_subclass__``, both hooks must run."""
        audited: list[str] = []

        class Audited:
            def __init_subclass__(cls, **kwargs: Any) -> None:
                super().__init_subclass__(**kwargs)
                audited.append(cls.__name__)

        both = attempt(
            'class AuditCsv(Plugin, Audited, key="audit-csv")',
            lambda: _new_class("AuditCsv", (plugin, Audited), key="audit-csv"),
        )
        if registered("audit-csv") is not both:
            raise Incorrect(
                "after class AuditCsv(Plugin, Audited, key=\"audit-csv\"), Plugin.registry['audit-csv'] should be "
                f"AuditCsv, got {getattr(registered('audit-csv'), '__name__', None)!r}"
            )
        if audited != ["AuditCsv"]:
            raise Incorrect(
                'class AuditCsv(Plugin, Audited, key="audit-csv"): the __init_subclass__ of the second base, Audited, '
                f"should run once for AuditCsv but ran for {audited}; pass the other keywords on with "
                "super().__init_subclass__(**kwargs)"
            )


class RequiredMethods(Question):
    """Q4: a metaclass that checks required methods when a class is created."""

    answer_names = ("RequireMethods",)
    hint_text = """
        In the metaclass __init__ (after super().__init__), skip the root class: it has no base that is an
        instance of RequireMethods. For any other class, collect every name in cls.required_methods for which
        getattr(cls, name, None) is not callable — getattr also finds inherited methods — and, if the list is
        not empty, raise TypeError naming all of them.
    """

    def judge(self, require_methods: Any) -> None:
        _expect_metaclass("RequireMethods", require_methods)
        root = attempt(
            'class Storage(metaclass=RequireMethods) with required_methods = ("load", "save")',
            lambda: _new_class("Storage", (), {"required_methods": ("load", "save")}, metaclass=require_methods),
            "the root class declares the requirements and is not itself checked",
        )

        def method(self: Any) -> str:
            return "done"

        disk = attempt(
            "class Disk(Storage) defining load and save",
            lambda: _new_class("Disk", (root,), {"load": method, "save": method}),
        )
        expect_equal("Disk().save()", "done", attempt("Disk()", lambda: disk()).save())
        attempt(
            "class Backup(Disk) (both methods inherited from Disk)",
            lambda: _new_class("Backup", (disk,)),
            "inherited methods count",
        )
        self._missing(root, "Half", {"load": method}, ["save"])
        self._missing(root, "Blank", {}, ["load", "save"])
        self._missing(
            root, "Placeholder", {"load": method, "save": None}, ["save"], "with save = None, which is no method"
        )
        self._missing(disk, "Broken", {"save": None}, ["save"], "with save = None (a grandchild of Storage)")

        shape = attempt(
            'class Shape(metaclass=RequireMethods) with required_methods = ("area",)',
            lambda: _new_class("Shape", (), {"required_methods": ("area",)}, metaclass=require_methods),
        )
        attempt("class Square(Shape) defining area", lambda: _new_class("Square", (shape,), {"area": method}))
        self._missing(shape, "Dot", {"perimeter": method}, ["area"])

        class Named:
            pass

        tagged = attempt(
            'class Tagged(Named, metaclass=RequireMethods) with required_methods = ("tag",)',
            lambda: _new_class("Tagged", (Named,), {"required_methods": ("tag",)}, metaclass=require_methods),
            "a root class is not checked even when it has ordinary base classes",
        )
        self._missing(tagged, "Untagged", {}, ["tag"])

    @staticmethod
    def _missing(root: type, name: str, namespace: dict[str, Any], missing: list[str], how: str = "") -> None:
        """Defining ``name`` (lacking ``missing``) must fail at class creation, naming each one."""
        what = f"class {name}({root.__name__}) {how or 'without ' + ' and '.join(missing)}"

        def succeeded(made: Any) -> str:
            later = ""
            try:
                made()
            except TypeError:
                later = f" ({name}() raised TypeError, but that is at instantiation: check when the class is created)"
            except Exception:  # any other failure of the instance call says nothing about when the check runs
                pass
            return f"the class statement {what} should raise TypeError, but it succeeded{later}"

        message = expect_raises(what, lambda: _new_class(name, (root,), namespace), succeeded=succeeded)
        absent = [m for m in missing if m not in message]
        if absent:
            raise Incorrect(f"the TypeError for {what} should name each missing method; {absent} not in {message!r}")


QUESTIONS = bind(CHAPTER, [MakeClass, FinalClass, PluginRegistry, RequiredMethods], globals())
