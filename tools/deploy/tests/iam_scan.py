"""Which AWS API actions a service's code can call, found by reading its source.

The least-privilege check compares each execution role with this. The scan starts at the
service's handler, follows imports into the workspace packages (libs and services, not
third-party code), and keeps the functions reachable *by name* from the handler and from
import-time code. Inside those, every `<expr>.<operation>(...)` whose operation belongs to a
boto3 client the code creates (`boto3.client("dynamodb")`, `.resource("dynamodb")`) becomes the
IAM action for it.

Name-based reachability over-approximates (any method called `get_item` counts once `get_item`
is referenced), never under-approximates the direct calls it sees; that is the right direction
for a test that must break when a service starts calling something its role does not allow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

# Services whose clients rez_agent code could create; their operations are what the scan knows.
KNOWN_SERVICES: Final = (
    "dynamodb",
    "sns",
    "sqs",
    "lambda",
    "secretsmanager",
    "cloudwatch",
    "logs",
    "xray",
    "s3",
    "ssm",
    "sts",
    "kms",
    "events",
    "scheduler",
)
# Operations whose IAM action has another name.
_ACTION_OVERRIDES: Final = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sns", "PublishBatch"): "Publish",
    ("dynamodb", "TransactGetItems"): "GetItem",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
}
# TransactWriteItems is authorised per item kind.
_TRANSACT_ITEM_ACTIONS: Final = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_ALWAYS_REACHABLE_DUNDERS: Final = frozenset(
    {
        "__init__",
        "__post_init__",
        "__call__",
        "__enter__",
        "__exit__",
        "__aenter__",
        "__aexit__",
        "__iter__",
        "__next__",
        "__getattr__",
    }
)


@cache
def operations_by_method() -> dict[str, frozenset[tuple[str, str]]]:
    """`put_item` -> {("dynamodb", "PutItem")}, for every operation of the known services."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    table: dict[str, set[tuple[str, str]]] = {}
    for service in KNOWN_SERVICES:
        for operation in session.get_service_model(service).operation_names:
            table.setdefault(xform_name(operation), set()).add((service, operation))
    return {method: frozenset(pairs) for method, pairs in table.items()}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorises `operation` of `service`."""
    return f"{service}:{_ACTION_OVERRIDES.get((service, operation), operation)}"


def workspace_modules(repo_root: Path) -> dict[str, Path]:
    """Module name -> file for every package under libs/*/src and services/*/src."""
    modules: dict[str, Path] = {}
    for src in sorted([*repo_root.glob("libs/*/src"), *repo_root.glob("services/*/src")]):
        for path in src.rglob("*.py"):
            parts = list(path.relative_to(src).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts:
                modules[".".join(parts)] = path
    return modules


def _is_type_checking_guard(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_runtime(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk that skips `if TYPE_CHECKING:` bodies (never executed)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.If) and _is_type_checking_guard(current):
            stack.extend(current.orelse)
            continue
        stack.extend(ast.iter_child_nodes(current))


def _imported_modules(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in _walk_runtime(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


_CONTAINER_TYPES: Final = frozenset(
    {
        "set",
        "frozenset",
        "dict",
        "list",
        "tuple",
        "str",
        "bytes",
        "bytearray",
        "defaultdict",
        "OrderedDict",
        "Counter",
        "deque",
        "Mapping",
        "MutableMapping",
        "Sequence",
        "MutableSequence",
        "AbstractSet",
        "MutableSet",
    }
)
_CONTAINER_LITERALS: Final = (
    ast.Set,
    ast.Dict,
    ast.List,
    ast.Tuple,
    ast.SetComp,
    ast.DictComp,
    ast.ListComp,
    ast.JoinedStr,
)


@dataclass(frozen=True, slots=True)
class _Definition:
    """A function, with the class it is a method of (None for plain functions)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    module: str
    klass: ast.ClassDef | None


@dataclass(slots=True)
class _Refs:
    """What a piece of code refers to: bare names, and attribute names (`x.name`)."""

    names: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)
    typed_attributes: set[tuple[str, str]] = field(default_factory=set)  # (class, attribute)


def _annotation_is_container(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Subscript):
        return _annotation_is_container(annotation.value)
    if isinstance(annotation, ast.Name):
        return annotation.id in _CONTAINER_TYPES
    if isinstance(annotation, ast.Attribute):
        return annotation.attr in _CONTAINER_TYPES
    if isinstance(annotation, ast.BinOp):  # `set[str] | None`
        real = [
            side
            for side in (annotation.left, annotation.right)
            if not (isinstance(side, ast.Constant) and side.value is None)
        ]
        return bool(real) and all(_annotation_is_container(side) for side in real)
    return False


def _value_is_container(value: ast.expr | None) -> bool:
    if isinstance(value, _CONTAINER_LITERALS):
        return True
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str | bytes)
    if isinstance(value, ast.Call):
        callee = value.func
        name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
        return name in _CONTAINER_TYPES
    return False


def _self_containers(klass: ast.ClassDef) -> set[str]:
    """Instance attributes holding builtin containers (class fields, `self.x = {}`)."""
    found: set[str] = {
        node.target.id
        for node in klass.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and _annotation_is_container(node.annotation)
    }
    for node in ast.walk(klass):
        target: ast.expr | None = None
        container = False
        if isinstance(node, ast.AnnAssign):
            target = node.target
            container = _annotation_is_container(node.annotation) or _value_is_container(node.value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            container = _value_is_container(node.value)
        if (
            container
            and isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            found.add(target.attr)
    return found


def _local_containers(
    function: ast.FunctionDef | ast.AsyncFunctionDef | None, body: list[ast.stmt]
) -> set[str]:
    """Local names bound to builtin containers (annotated parameters, literal assignments)."""
    found: set[str] = set()
    if function is not None:
        arguments = function.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if _annotation_is_container(argument.annotation):
                found.add(argument.arg)
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if _annotation_is_container(node.annotation) or _value_is_container(node.value):
                    found.add(node.target.id)
            elif isinstance(node, ast.Assign) and _value_is_container(node.value):
                found.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return found


def _class_name_of(expr: ast.expr | None) -> str | None:
    """`Foo` for an annotation `Foo`, `Foo | None`, `"Foo"`, or a value `Foo(...)`."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value if expr.value.isidentifier() else None
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.BinOp):
        names = {_class_name_of(side) for side in (expr.left, expr.right)} - {None}
        non_none = [
            side
            for side in (expr.left, expr.right)
            if not (isinstance(side, ast.Constant) and side.value is None)
        ]
        return names.pop() if len(names) == 1 and len(non_none) == 1 else None
    return None


def _self_types(klass: ast.ClassDef) -> dict[str, str]:
    """Instance attribute -> class name, from field annotations and `self.x: T` / `= T(...)`."""
    found: dict[str, str] = {}
    for statement in klass.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            field_class = _class_name_of(statement.annotation)
            if field_class:
                found[statement.target.id] = field_class
    for node in ast.walk(klass):
        target: ast.expr
        assigned_class: str | None
        if isinstance(node, ast.AnnAssign):
            target, assigned_class = node.target, _class_name_of(node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            value = node.value
            assigned_class = _class_name_of(value) if isinstance(value, ast.Call) else None
        else:
            continue
        if (
            assigned_class
            and isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            found.setdefault(target.attr, assigned_class)
    return found


def _local_types(function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> dict[str, str]:
    """Parameter -> class name, from annotations."""
    if function is None:
        return {}
    arguments = function.args
    found: dict[str, str] = {}
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        name = _class_name_of(argument.annotation)
        if name:
            found[argument.arg] = name
    return found


@dataclass
class _Program:
    """The parsed modules of an import closure and the definitions in them, by name."""

    trees: dict[str, ast.Module] = field(default_factory=dict)
    functions: dict[str, list[_Definition]] = field(default_factory=dict)
    methods: dict[str, list[_Definition]] = field(default_factory=dict)
    classes: dict[str, list[ast.ClassDef]] = field(default_factory=dict)
    external_modules: dict[str, set[str]] = field(default_factory=dict)
    class_containers: dict[int, set[str]] = field(default_factory=dict)
    class_types: dict[int, dict[str, str]] = field(default_factory=dict)

    def family(self, class_name: str) -> set[int] | None:
        """ids of the classes named `class_name`, their bases and subclasses (by name).

        None when the type says nothing usable: not one of our classes, or a Protocol (which
        its implementations need not name as a base).
        """
        nodes_named = self.classes.get(class_name, [])
        if not nodes_named or any(
            _class_name_of(base) == "Protocol" for node in nodes_named for base in node.bases
        ):
            return None
        names = {class_name}
        changed = True
        while changed:
            changed = False
            for name, nodes in self.classes.items():
                for node in nodes:
                    bases = {_class_name_of(base) for base in node.bases} - {None}
                    related = name in names or bool(bases & names)
                    if related and not ({name} | {b for b in bases if b}) <= names:
                        names |= {name} | {b for b in bases if b}
                        changed = True
        return {id(node) for name in names for node in self.classes.get(name, [])}

    def index(self, workspace: Iterable[str] = ()) -> None:
        """Index definitions, each module's external imports, and container attributes."""
        ours = {name.split(".")[0] for name in [*workspace, *self.trees]}
        for module, tree in self.trees.items():
            # Names bound to third-party or standard-library objects: `import os`,
            # `from loguru import logger`. Their attributes are never our methods.
            self.external_modules[module] = {
                (alias.asname or alias.name).split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
                if alias.name.split(".")[0] not in ours
            } | {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
                and not node.level
                and (node.module or "").split(".")[0] not in ours
                and node.module != "__future__"
                for alias in node.names
            }
            self._index_body(tree.body, module, None)

    def _add_class(self, node: ast.ClassDef, module: str) -> None:
        self.classes.setdefault(node.name, []).append(node)
        self.class_containers[id(node)] = _self_containers(node)
        self.class_types[id(node)] = _self_types(node)
        self._index_body(node.body, module, node)

    def _index_body(self, body: list[ast.stmt], module: str, klass: ast.ClassDef | None) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                table = self.methods if klass is not None else self.functions
                table.setdefault(node.name, []).append(_Definition(node, module, klass))
                self._index_nested(node.body, module)
            elif isinstance(node, ast.ClassDef):
                self._add_class(node, module)
            else:
                self._index_nested([node], module)

    def _index_nested(self, statements: list[ast.stmt], module: str) -> None:
        """Functions and classes defined inside other statements or functions."""
        stack: list[ast.AST] = list(statements)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, []).append(_Definition(node, module, None))
                stack.extend(node.body)
            elif isinstance(node, ast.ClassDef):
                self._add_class(node, module)
            else:
                stack.extend(ast.iter_child_nodes(node))


@dataclass(frozen=True, slots=True)
class _Scope:
    """What is known about receivers inside one body: containers and external modules."""

    local_containers: set[str]
    self_containers: set[str]
    external_modules: set[str]
    local_types: dict[str, str] = field(default_factory=dict)
    self_types: dict[str, str] = field(default_factory=dict)

    def receiver_class(self, receiver: ast.expr) -> str | None:
        """The class a receiver is annotated or constructed as, when the code says so."""
        if isinstance(receiver, ast.Name):
            return self.local_types.get(receiver.id)
        if (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id == "self"
        ):
            return self.self_types.get(receiver.attr)
        return None

    def is_opaque_receiver(self, receiver: ast.expr) -> bool:
        """A receiver whose methods cannot be ours: a builtin container or an external module."""
        if _value_is_container(receiver):
            return True
        if isinstance(receiver, ast.IfExp):
            return self.is_opaque_receiver(receiver.body) and self.is_opaque_receiver(
                receiver.orelse
            )
        if isinstance(receiver, ast.BoolOp):
            return all(self.is_opaque_receiver(value) for value in receiver.values)
        if isinstance(receiver, ast.Name) and receiver.id in self.local_containers:
            return True
        if (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id == "self"
            and receiver.attr in self.self_containers
        ):
            return True
        root = receiver
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in self.external_modules


def load_closure(entry_module: str, modules: dict[str, Path]) -> _Program:
    """Parse `entry_module` and every workspace module it (transitively) imports."""
    program = _Program()
    pending = [entry_module]
    while pending:
        name = pending.pop()
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            candidate = ".".join(parts[:depth])
            if candidate in modules and candidate not in program.trees:
                path = modules[candidate]
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
                program.trees[candidate] = tree
                is_package = path.name == "__init__.py"
                pending.extend(_imported_modules(tree, candidate, is_package))
    program.index(modules)
    return program


def _shallow_nodes(statements: Iterable[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes executed with these statements: nested def/class bodies are left out (their
    decorators, defaults and bases are not), as are `if TYPE_CHECKING:` bodies."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking_guard(node):
            stack.extend(node.orelse)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend(node.decorator_list)
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
        elif isinstance(node, ast.ClassDef):
            stack.extend(node.decorator_list)
            stack.extend(node.bases)
            # class-level statements run at import time; methods do not
            stack.extend(
                s for s in node.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        else:
            stack.extend(ast.iter_child_nodes(node))


def _references(nodes: Iterable[ast.AST], scope: _Scope) -> _Refs:
    refs = _Refs()
    for node in nodes:
        if isinstance(node, ast.Name):
            refs.names.add(node.id)
        elif isinstance(node, ast.Attribute) and not scope.is_opaque_receiver(node.value):
            receiver_class = scope.receiver_class(node.value)
            if receiver_class is not None:
                refs.typed_attributes.add((receiver_class, node.attr))
            else:
                refs.attributes.add(node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            refs.attributes.add(node.args[1].value)
    return refs


class _Reachability:
    """Fixed point of "referenced from reachable code" over a program's definitions.

    Bare names reach plain functions and classes; `x.name` reaches methods (and functions or
    classes reached through a module); a reached class runs its constructor and dunders.
    """

    def __init__(self, program: _Program) -> None:
        self.program = program
        self.nodes: list[ast.AST] = []
        self.names: set[str] = set()
        self.attributes: set[str] = set()
        self.typed: set[tuple[str, str]] = set()
        self._pending: list[_Definition] = []
        self._done: set[int] = set()

    def _scan(self, body: list[ast.stmt], module: str, definition: _Definition | None) -> None:
        klass = definition.klass if definition else None
        function = definition.node if definition else None
        scope = _Scope(
            local_containers=_local_containers(function, body),
            self_containers=self.program.class_containers.get(id(klass), set()),
            external_modules=self.program.external_modules.get(module, set()),
            local_types=_local_types(function),
            self_types=self.program.class_types.get(id(klass), {}),
        )
        nodes = list(_shallow_nodes(body))
        self.nodes.extend(nodes)
        refs = _references(nodes, scope)
        for name in refs.names - self.names:
            self.names.add(name)
            self._queue(self.program.functions.get(name, []))
            self._queue_class(name)
        for name in refs.attributes - self.attributes:
            self.attributes.add(name)
            self._queue(self.program.methods.get(name, []))
            self._queue(self.program.functions.get(name, []))
            self._queue_class(name)
        for class_name, name in refs.typed_attributes - self.typed:
            self.typed.add((class_name, name))
            family = self.program.family(class_name)
            if family is None:  # a type that does not narrow the target: resolve by name
                self._queue(self.program.methods.get(name, []))
                continue
            self._queue(d for d in self.program.methods.get(name, []) if id(d.klass) in family)

    def _queue(self, definitions: Iterable[_Definition]) -> None:
        for definition in definitions:
            if id(definition.node) not in self._done:
                self._done.add(id(definition.node))
                self._pending.append(definition)

    def _queue_class(self, name: str) -> None:
        for klass in self.program.classes.get(name, []):
            self._queue(
                definition
                for dunder in _ALWAYS_REACHABLE_DUNDERS
                for definition in self.program.methods.get(dunder, [])
                if definition.klass is klass
            )

    def run(self, entry_function: str) -> list[ast.AST]:
        """Import-time code of every module, then everything reachable from it and the entry."""
        for module, tree in self.program.trees.items():
            self._scan(tree.body, module, None)
        self._queue(self.program.functions.get(entry_function, []))
        while self._pending:
            definition = self._pending.pop()
            self._scan(definition.node.body, definition.module, definition)
        return self.nodes


def reachable_nodes(program: _Program, entry_function: str) -> list[ast.AST]:
    """Every AST node executed at import time or in a function reachable by name from there."""
    return _Reachability(program).run(entry_function)


def _callee_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return ""


def created_clients(program: _Program) -> set[str]:
    """Services whose clients the closure creates.

    A call to anything named like a client factory (`boto3.client`, `session.resource`, a
    helper `_boto3_client`) with a known service name as its first argument or `service_name=`.
    """
    services: set[str] = set()
    for tree in program.trees.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = _callee_name(node).lower()
            if "client" not in callee and "resource" not in callee:
                continue
            candidates = [
                *node.args[:1],
                *(k.value for k in node.keywords if k.arg == "service_name"),
            ]
            for candidate in candidates:
                if isinstance(candidate, ast.Constant) and candidate.value in KNOWN_SERVICES:
                    services.add(str(candidate.value))
    return services


def _transact_write_actions(call: ast.Call) -> set[str]:
    kinds = {
        node.value
        for node in ast.walk(call)
        if isinstance(node, ast.Constant) and node.value in _TRANSACT_ITEM_ACTIONS
    }
    return {f"dynamodb:{_TRANSACT_ITEM_ACTIONS[str(k)]}" for k in kinds or _TRANSACT_ITEM_ACTIONS}


def actions_in(nodes: Iterable[ast.AST], clients: set[str]) -> set[str]:
    """IAM actions of the client calls among `nodes`, for clients of `clients`' services."""
    table = operations_by_method()
    actions: set[str] = set()
    for node in nodes:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        for service, operation in table.get(node.func.attr, frozenset()):
            if service not in clients:
                continue
            if (service, operation) == ("dynamodb", "TransactWriteItems"):
                actions |= _transact_write_actions(node)
            else:
                actions.add(iam_action(service, operation))
    return actions


def service_actions(
    repo_root: Path, entry_module: str, entry_function: str = "handler"
) -> set[str]:
    """IAM actions the code reachable from `entry_module.entry_function` can call."""
    modules = workspace_modules(repo_root)
    if entry_module not in modules:
        raise FileNotFoundError(f"{entry_module} is not a module of the workspace")
    program = load_closure(entry_module, modules)
    return actions_in(reachable_nodes(program, entry_function), created_clients(program))


def source_actions(source: str, entry_function: str = "handler") -> set[str]:
    """The same scan over one self-contained module (an inline `ZipFile` function)."""
    program = _Program(trees={"inline": ast.parse(source)})
    program.index()
    return actions_in(reachable_nodes(program, entry_function), created_clients(program))
