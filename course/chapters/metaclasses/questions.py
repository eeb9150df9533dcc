"""Questions for the metaclasses chapter (answers in ``solutions/01-metaclasses.ipynb``).

Each check builds fresh classes with the learner's function, metaclass or base
class (several cases, including edge cases) and judges what happens — when a
class statement succeeds or fails, what ends up in a registry, what an error
message says — never the source text. Where the question leaves the choice
open (a base class with ``__init_subclass__`` or a metaclass), both are used
the way the learner's answer asks to be used.

The questions come in order of difficulty: required methods (one metaclass
hook), final methods (walking the MRO), a class built with ``type()`` (a
closure as ``__init__``), registries at every level (the MRO, class keywords,
and an all-or-nothing change). Every check stops an answer that runs longer
than ``time_limit`` seconds, and only the exercise's own placeholder (a
``NotImplementedError`` without a message) counts as Not attempted.
"""

from __future__ import annotations

import gc
import types
import typing
from collections.abc import Callable
from typing import Any

from course.chapters.metaclasses import CHAPTER
from course.checks import Question, bind
from course.checks.expect import Incorrect, attempt, expect_equal, expect_raises

TIME_LIMIT = 10.0
"""Seconds one check may run before the answer is called endless; the solutions' checks take a few ms."""


def _new_class(name: str, bases: tuple[type, ...], namespace: dict[str, Any] | None = None, **keywords: Any) -> type:
    """Create a class exactly as a ``class`` statement would (metaclass, ``__prepare__``, class keywords)."""
    return types.new_class(name, bases, keywords, lambda body: body.update(namespace or {}))


def _expect_metaclass(name: str, answer: Any) -> None:
    """The answer must be a class deriving from ``type``."""
    if not (isinstance(answer, type) and issubclass(answer, type)):
        raise Incorrect(f"`{name}` should be a metaclass — a class deriving from type — got {answer!r}")


def _method(result: str) -> Callable[..., str]:
    """A method that returns ``result``, so a check can tell whose method ran."""

    def method(self: Any, *args: Any) -> str:
        return result

    return method


def _at_instantiation(name: str, made: Any) -> str:
    """When a class statement that should fail succeeded: did the answer check at instantiation instead?"""
    try:
        made()
    except TypeError:
        return f" ({name}() raised TypeError, but that is at instantiation: check when the class is created)"
    except Exception:  # any other failure of the instance call says nothing about when the check runs
        pass
    return ""


class RequiredMethods(Question):
    """Q1: a metaclass that checks required methods when a class is created."""

    answer_names = ("RequireMethods",)
    hints = (
        """
        The check must happen while the class statement runs, so it belongs in a metaclass method that
        sees every new class as soon as it exists. Which class must that method leave alone?
        """,
        """
        In the metaclass's __init__, after the call to super().__init__: when none of the bases was built
        by RequireMethods, the new class is the root — stop there. Otherwise go through the names in
        cls.required_methods and keep each one for which the class (its own body or a base) has nothing
        callable. If any are left, raise TypeError with all of them in the message.
        """,
        """
        The shape, with the blanks yours to fill:
            if <no base is an instance of RequireMethods>:
                return
            missing = [<each required name whose attribute on cls is not callable>]
            if missing:
                raise TypeError(<a message listing every missing name>)
        """,
    )

    time_limit = TIME_LIMIT

    def judge(self, require_methods: Any) -> None:
        _expect_metaclass("RequireMethods", require_methods)
        root = attempt(
            'class Storage(metaclass=RequireMethods) with required_methods = ("load", "save")',
            lambda: _new_class("Storage", (), {"required_methods": ("load", "save")}, metaclass=require_methods),
            "the root class declares the requirements and is not itself checked",
        )
        method = _method("done")
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
        self._missing(
            root,
            "Sneaky",
            {"load": "not a method", "save": 42},
            ["load", "save"],
            "with load = 'not a method' and save = 42, neither of them callable",
        )

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
            return f"the class statement {what} should raise TypeError, but it succeeded{_at_instantiation(name, made)}"

        message = expect_raises(what, lambda: _new_class(name, (root,), namespace), succeeded=succeeded)
        absent = [m for m in missing if m not in message]
        if absent:
            raise Incorrect(f"the TypeError for {what} should name each missing method; {absent} not in {message!r}")


class FinalMethods(Question):
    """Q2: make ``@typing.final`` on a method hold at run time (a base class or a metaclass)."""

    answer_names = ("EnforceFinal",)
    hints = (
        """
        Some hook has to look at each new class while it is being created. It compares the names the new
        class defines in its own body with what the classes above it have marked @final.
        """,
        """
        Take each name the new class binds in its own body, not the ones it inherits. For each, visit
        every class above the new one, at every depth and through every base, in the order Python
        searches them, and look at what that class itself binds under the name. If that object carries
        the mark @final leaves on a function, refuse the new class with a TypeError that names the method
        and the class that marked it. Anything else goes through.
        """,
        """
        The shape, with the blanks yours to fill:
            for name in <the names cls binds in its own body>:
                for above in <every class above cls, in the order Python searches them>:
                    if <what above itself binds under name carries the @final mark>:
                        raise TypeError(<name the method and above>)
        """,
    )

    time_limit = TIME_LIMIT

    def judge(self, enforce: Any) -> None:
        if not isinstance(enforce, type):
            raise Incorrect(f"`EnforceFinal` should be a class — a base class or a metaclass — got {enforce!r}")
        if issubclass(enforce, type):

            def root(name: str, namespace: dict[str, Any]) -> type:
                return _new_class(name, (), namespace, metaclass=enforce)

            header = "metaclass=EnforceFinal"
        else:

            def root(name: str, namespace: dict[str, Any]) -> type:
                return _new_class(name, (enforce,), namespace)

            header = "EnforceFinal"
        final = typing.final
        account = attempt(
            f"class Account({header}) with a @final withdraw",
            lambda: root("Account", {"withdraw": final(_method("withdrawn")), "fee": _method("fee")}),
            "a class may mark its own methods final",
        )
        expect_equal("Account().withdraw(10)", "withdrawn", attempt("Account()", lambda: account()).withdraw(10))
        savings = attempt(
            "class Savings(Account) overriding fee (not final) and adding interest",
            lambda: _new_class("Savings", (account,), {"fee": _method("no fee"), "interest": _method("2%")}),
            "only methods marked @final are protected",
        )
        expect_equal("Savings().fee()", "no fee", attempt("Savings()", lambda: savings()).fee())
        self._refused("class Overdraft(Account) redefining withdraw", "Overdraft", (account,), "withdraw", "Account")
        self._refused(
            "class Premium(Savings) redefining withdraw (final two levels up)",
            "Premium",
            (savings,),
            "withdraw",
            "Account",
        )
        checking = attempt(
            "class Checking(Account) marking its own fee @final",
            lambda: _new_class("Checking", (account,), {"fee": final(_method("1 dollar"))}),
            "fee is not final in Account, so Checking may override it (and mark it final)",
        )
        attempt(
            "class Business(Account) redefining fee",
            lambda: _new_class("Business", (account,), {"fee": _method("5 dollars")}),
            "Checking, a sibling, made fee final; Business does not inherit from Checking",
        )
        self._refused("class Student(Checking) redefining fee", "Student", (checking,), "fee", "Checking")
        self._refused(
            "class Combo(Savings, Checking) redefining fee (final in the second base)",
            "Combo",
            (savings, checking),
            "fee",
            "Checking",
        )

        class Loggable:
            def log(self) -> str:
                return "logged"

        self._refused(
            "class Joint(Loggable, Account) with withdraw = None",
            "Joint",
            (Loggable, account),
            "withdraw",
            "Account",
            {"withdraw": None},
        )
        self._refused(
            "class Zeroed(Account) with withdraw = 0", "Zeroed", (account,), "withdraw", "Account", {"withdraw": 0}
        )
        self._refused(
            "class Sly(Account) with withdraw = property(...)",
            "Sly",
            (account,),
            "withdraw",
            "Account",
            {"withdraw": property(_method("hijacked"))},
        )
        shop = attempt(
            f"class Shop({header}) with an ordinary withdraw (another hierarchy)",
            lambda: root("Shop", {"withdraw": _method("cash")}),
        )
        attempt(
            "class Outlet(Shop) redefining withdraw",
            lambda: _new_class("Outlet", (shop,), {"withdraw": _method("card")}),
            "in this hierarchy withdraw was never marked @final",
        )

    @staticmethod
    def _refused(
        what: str,
        name: str,
        bases: tuple[type, ...],
        method: str,
        marker: str,
        namespace: dict[str, Any] | None = None,
    ) -> None:
        """The class statement must raise TypeError naming ``method`` and ``marker``, the class that marked it."""
        namespace = {method: _method("override")} if namespace is None else namespace

        def succeeded(made: Any) -> str:
            return f"the class statement {what} should raise TypeError, but it succeeded{_at_instantiation(name, made)}"

        message = expect_raises(what, lambda: _new_class(name, bases, namespace), succeeded=succeeded)
        absent = [word for word in (method, marker) if word not in message]
        if absent:
            raise Incorrect(
                f"the TypeError for {what} should name the method ({method!r}) and the class that marked it "
                f"final ({marker!r}); {absent} not in {message!r}"
            )


class MakeClass(Question):
    """Q3: build a class with ``type()`` from a specification."""

    answer_names = ("make_class",)
    hints = (
        """
        type() with three arguments builds the class. The __init__ you put into its namespace is an
        ordinary function, and a function defined inside make_class can see make_class's arguments.
        """,
        """
        Inside make_class, define an __init__ that takes keyword arguments only. It compares the names it
        was given with the keys of `defaults` — not with what the class has, since inherited methods are
        no fields — and raises TypeError for any unknown one; it sets the others on self. Then call type()
        with a namespace that is a new dict: the defaults plus that __init__.
        """,
        """
        The shape, with the blanks yours to fill:
            def __init__(self, **<keyword arguments>):
                <refuse any name that is not a key of defaults>
                <set each given value on self>
            return type(<name>, <bases>, <a new dict: the defaults plus __init__>)
        """,
    )

    time_limit = TIME_LIMIT

    def judge(self, make_class: Any) -> None:
        if not callable(make_class):
            raise Incorrect(f"`make_class` should be a function, got {make_class!r}")
        defaults = {"x": 0, "y": 0}
        given = dict(defaults)
        call = "make_class('Point', (), {'x': 0, 'y': 0})"
        point = attempt(call, lambda: make_class("Point", (), defaults))
        if not isinstance(point, type):
            raise Incorrect(f"{call} should return a class, got {type(point).__name__} {point!r}")
        expect_equal(f"{call}.__name__", "Point", point.__name__)
        expect_equal(f"{call}.__bases__ (no bases given means just object)", (object,), point.__bases__)
        if defaults != given:
            raise Incorrect(
                f"make_class changed the defaults dict it was given ({_changes(given, defaults)}); "
                "build a new dict instead"
            )
        expect_equal("Point.x, a class attribute taken from the defaults", 0, getattr(point, "x", None))
        moved = attempt("Point(x=3)", lambda: point(x=3))
        if defaults != given:
            raise Incorrect(
                f"Point(x=3) changed the defaults dict that was given to make_class ({_changes(given, defaults)}), "
                "so every later Point starts from the changed values: leave that dict alone (copy it first if "
                "you need a dict to change), and set the instance's values on self"
            )
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
        expect_raises(
            "Point(__doc__='x') (every class has a __doc__, but it is not in defaults, so it is no field)",
            lambda: point(__doc__="x"),
        )

        empty = attempt("make_class('Empty', (), {})", lambda: make_class("Empty", (), {}))
        attempt("Empty() (a class with no fields)", lambda: empty())
        expect_raises("Empty(a=1) (a class with no fields)", lambda: empty(a=1))
        again = attempt("a second make_class('Point', ...)", lambda: make_class("Point", (), {"x": 0, "y": 0}))
        if again is point:
            raise Incorrect(
                "two calls to make_class returned the same class object; each call should build a new class"
            )


def _changes(before: dict[Any, Any], after: dict[Any, Any]) -> str:
    """``added ['__init__']; set x from 0 to 3``: how a dict changed, in words."""
    added = sorted(after.keys() - before.keys(), key=repr)
    removed = sorted(before.keys() - after.keys(), key=repr)
    changed = [key for key in before if key in after and after[key] != before[key]]
    parts = [f"added {added}"] if added else []
    parts += [f"removed {removed}"] if removed else []
    parts += [f"set {key} from {before[key]!r} to {after[key]!r}" for key in changed]
    return "; ".join(parts)


class LevelledRegistry(Question):
    """Q4: every class of a plugin hierarchy keeps a registry of the keyed classes below it."""

    answer_names = ("Plugin",)
    hints = (
        """
        Two things happen for each new subclass: it gets a registry of its own, and, when it has a key,
        it is added to the registry of every class above it. With several bases, which classes are
        "above"? And a refused key must leave every registry as it was.
        """,
        """
        In __init_subclass__, hand the other keywords on to super() first. Collect the classes above
        the new one that belong to the hierarchy: walk cls.__mro__ (not just the bases), skipping cls
        itself, and keep the subclasses of Plugin. With a key, look through all their registries before
        changing any: if the key is in one of them, raise ValueError naming it. Only then add the class
        to each. Whatever the key, finish by giving cls a new, empty dict of its own.
        """,
        """
        The shape, with the blanks yours to fill:
            <hand the other keywords on>
            above = [<each class after cls in its MRO that is a subclass of Plugin>]
            if key is not None:
                if <key is in the registry of any class in above>:
                    raise ValueError(<name the key>)
                for base in above:
                    <add cls under key>
            cls.registry = <a new empty dict>
        """,
    )

    time_limit = TIME_LIMIT

    def judge(self, plugin: Any) -> None:
        if not isinstance(plugin, type):
            raise Incorrect(f"`Plugin` should be a class, got {plugin!r}")
        registry = getattr(plugin, "registry", None)
        if not isinstance(registry, dict):
            raise Incorrect(f"Plugin.registry should be a dict, got {registry!r}")
        saved = dict(registry)
        try:
            _RegistryCases(plugin, saved).run()
        finally:  # leave the learner's registry as it was, so the check can run again
            registry.clear()
            registry.update(saved)
            try:
                if getattr(plugin, "registry", None) is not registry:
                    plugin.registry = registry
            except (AttributeError, TypeError):  # a registry computed on access cannot be set; nothing to restore
                pass
            gc.collect()  # the check's classes are gone from __subclasses__() too


class _RegistryCases:
    """The cases of :class:`LevelledRegistry`, for one learner's ``Plugin``."""

    def __init__(self, plugin: type, saved: dict[Any, Any]) -> None:
        self.plugin = plugin
        self.saved = saved
        self.made: list[type] = []  # the check's classes, in the order they were made
        self.keyed: dict[str, type] = {}  # those made with a key, by key

    def run(self) -> None:
        self.plugin_not_registered()
        export = self.define("class CheckExport(Plugin)", "CheckExport", (self.plugin,))
        self.expect(export, {export: {}}, "a class without a key is a family: it is registered nowhere")
        csv = self.define('class CheckCsv(CheckExport, key="check-csv")', "CheckCsv", (export,), "check-csv")
        self.expect(csv, {export: {"check-csv": csv}, csv: {}})
        excel = self.define('class CheckExcel(CheckCsv, key="check-xlsx")', "CheckExcel", (csv,), "check-xlsx")
        self.expect(
            excel,
            {export: {"check-csv": csv, "check-xlsx": excel}, csv: {"check-xlsx": excel}, excel: {}},
            "a class is registered at every level above it",
        )
        json = self.define('class CheckJson(CheckExport, key="check-json")', "CheckJson", (export,), "check-json")
        both = self.define(
            'class CheckBoth(CheckCsv, CheckJson, key="check-both")', "CheckBoth", (csv, json), "check-both"
        )
        self.expect(
            both,
            {
                export: {"check-csv": csv, "check-xlsx": excel, "check-json": json, "check-both": both},
                csv: {"check-xlsx": excel, "check-both": both},
                json: {"check-both": both},
                both: {},
            },
            "with two bases, a class is registered under both of them",
        )
        self.refused(json)
        self.cooperates()
        self.plugin_not_registered()

    def define(self, what: str, name: str, bases: tuple[type, ...], key: str | None = None) -> type:
        keywords = {} if key is None else {"key": key}
        made = attempt(what, lambda: _new_class(name, bases, **keywords))
        self.made.append(made)
        if key is not None:
            self.keyed[key] = made
        return made

    def added(self) -> dict[Any, Any]:
        """What ``Plugin.registry`` holds now that it did not hold before the check."""
        now = self.plugin.registry if isinstance(self.plugin.registry, dict) else {}
        return {key: value for key, value in now.items() if key not in self.saved or self.saved[key] is not value}

    def expect(self, newest: type, registries: dict[type, dict[str, type]], why: str = "") -> None:
        """After ``newest`` was made: Plugin gained exactly the keyed classes; each class holds ``registries``."""
        after = f"after class {newest.__name__}"
        reason = f" ({why})" if why else ""
        expected_plugin = dict(self.keyed)
        if self.added() != expected_plugin:
            raise Incorrect(
                f"{after}, Plugin.registry should have gained {_shown(expected_plugin)}, "
                f"but it gained {_shown(self.added())}{reason}"
            )
        for owner, expected in registries.items():
            got = getattr(owner, "registry", None)
            if got is self.plugin.registry:
                raise Incorrect(
                    f"{after}, {owner.__name__}.registry is the very dict of Plugin: every class should get an "
                    "empty registry of its own when it is created"
                )
            if not isinstance(got, dict) or got != expected:
                shown = _shown(got) if isinstance(got, dict) else repr(got)
                raise Incorrect(f"{after}, {owner.__name__}.registry should be {_shown(expected)}, got {shown}{reason}")

    def refused(self, json: type) -> None:
        """A taken key raises ValueError naming it, and leaves every registry as it was."""
        before = {made: dict(getattr(made, "registry", {})) for made in self.made}
        plugin_before = self.added()
        what = 'class CheckClash(CheckJson, key="check-csv") (the key is taken by CheckCsv)'
        message = expect_raises(what, lambda: _new_class("CheckClash", (json,), key="check-csv"), ValueError)
        if "check-csv" not in message:
            raise Incorrect(f"the ValueError for a taken key should name the key 'check-csv'; got {message!r}")
        changed = [made.__name__ for made in self.made if dict(getattr(made, "registry", {})) != before[made]]
        if self.added() != plugin_before:
            changed.insert(0, "Plugin")
        if changed:
            raise Incorrect(
                f"after the refused CheckClash, the registry of {', '.join(changed)} had changed: look through every "
                "registry for the key before adding the class to any of them"
            )

    def cooperates(self) -> None:
        """With a second base that has its own ``__init_subclass__``, both hooks must run."""
        audited: list[str] = []

        class Audited:
            def __init_subclass__(cls, **kwargs: Any) -> None:
                super().__init_subclass__(**kwargs)
                audited.append(cls.__name__)

        what = 'class CheckAudit(Plugin, Audited, key="check-audit")'
        made = attempt(what, lambda: _new_class("CheckAudit", (self.plugin, Audited), key="check-audit"))
        if self.added().get("check-audit") is not made:
            found = self.added().get("check-audit")
            raise Incorrect(
                f"after {what}, Plugin.registry['check-audit'] should be CheckAudit, "
                f"got {getattr(found, '__name__', found)!r}"
            )
        if audited == ["CheckAudit"]:
            return
        handing = "Plugin's __init_subclass__ must hand over with super().__init_subclass__(**kwargs)"
        if not audited:
            happened = "never ran"
        else:
            happened = f"ran {len(audited)} times instead of once"
        raise Incorrect(f"{what}: the __init_subclass__ of the other base, Audited, {happened}; {handing}")

    def plugin_not_registered(self) -> None:
        for key, value in self.plugin.registry.items():
            if value is self.plugin:
                raise Incorrect(f"Plugin itself is in Plugin.registry (under {key!r}); register only its subclasses")


def _shown(registry: dict[Any, Any]) -> str:
    """``{'check-csv': CheckCsv}``: a registry with its classes by name."""
    return (
        "{" + ", ".join(f"{key!r}: {getattr(value, '__name__', repr(value))}" for key, value in registry.items()) + "}"
    )


QUESTIONS = bind(CHAPTER, [RequiredMethods, FinalMethods, MakeClass, LevelledRegistry], globals())
