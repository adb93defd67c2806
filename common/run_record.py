"""The record a binary leaves in its run folder: its settings, command line and versions.

A folder of images or a trained model is only useful when it says how it was made, so every
binary writes `config.json` beside its outputs: the settings dataclass in full (nested
dataclasses included), the command that ran and the versions that ran it.
"""
from __future__ import annotations

import dataclasses
import errno
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import typing
from typing import Any, Callable, TypeVar

from common.atomic import write_text
from common.errors import DataFormatError

CONFIG_FILE = "config.json"
T = TypeVar("T")
_PACKAGES = ("tensorflow", "keras", "numpy", "opencv-python-headless", "unified-pose-action")


def versions() -> dict[str, str]:
    """Python's and the installed packages' versions ("absent" when one is not installed)."""
    found = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "absent"
    return found


def record(settings: Any) -> dict[str, Any]:
    """SETTINGS (a dataclass) with the command line and versions, as JSON-ready data."""
    return {"settings": dataclasses.asdict(settings), "command": list(sys.argv),
            "versions": versions()}


def write_config(folder: str | os.PathLike, settings: Any) -> str:
    """Writes FOLDER/config.json atomically; returns its path."""
    path = os.path.join(os.fspath(folder), CONFIG_FILE)
    write_text(path, json.dumps(record(settings), indent=2) + "\n")
    return path


def rebuilt(kind: Any, value: Any) -> Any:
    """VALUE (JSON) as KIND: dataclasses field by field, tuples from lists, the rest as is
    (a field typed Any, such as a run's data settings, stays the JSON dict)."""
    if dataclasses.is_dataclass(kind) and isinstance(value, dict):
        hints = typing.get_type_hints(kind)
        return kind(**{field.name: rebuilt(hints[field.name], value[field.name])
                       for field in dataclasses.fields(kind) if field.name in value})
    if isinstance(value, list):
        arguments = [a for a in typing.get_args(kind) if a is not Ellipsis]
        item = arguments[0] if len(arguments) == 1 else Any
        return tuple(rebuilt(item, element) for element in value)
    return value


def read_settings(folder: str | os.PathLike, kind: type[T]) -> T:
    """The settings of the run in FOLDER, as the dataclass KIND, from its config.json alone."""
    path = os.path.join(os.fspath(folder), CONFIG_FILE)
    try:
        with open(path, encoding="utf-8") as stream:
            return rebuilt(kind, json.load(stream)["settings"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataFormatError(path, f"not a run record of {kind.__name__} ({error})") from None


class SettingsMismatch(ValueError):
    """A run folder was made with settings that differ from the ones given now."""


class NonFiniteLoss(FloatingPointError):
    """Training produced a NaN or infinite loss: nothing from this run may be saved
    (raised by common.callbacks.StopOnNonFiniteLoss)."""


class RunFolderError(ValueError):
    """The run folder cannot be used: it is a file, or it cannot be created or written."""


def require_writable_folder(folder: str) -> None:
    """FOLDER exists (made here) and takes a file: checked by writing one, since a read-only
    or full file system is known only by trying; a RunFolderError naming it otherwise."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise RunFolderError(f"{folder}: is a file, not a folder for the run")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise RunFolderError(f"{folder}: cannot be created ({error.strerror})") from None
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        raise RunFolderError(f"{folder}: is not writable ({error.strerror})") from None


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    """{"a.b": leaf} of nested dicts (the JSON form of nested dataclasses)."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        flat.update(_flat(value, f"{prefix}.{key}" if prefix else key))
    return flat


def differing_settings(folder: str | os.PathLike, other: str | os.PathLike,
                       ignored: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    """{dotted field: (FOLDER's value, OTHER's value)} of every setting the two runs' records
    hold differently, but for the dotted fields in IGNORED: whether two runs are one recipe
    (e.g. a shipped run and the cross-fold runs whose figures it ships with). A field only one
    record holds is not compared: the other run was made before the field existed."""
    settings = []
    for run in (folder, other):
        path = os.path.join(os.fspath(run), CONFIG_FILE)
        try:
            with open(path, encoding="utf-8") as stream:
                settings.append(_flat(json.load(stream)["settings"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DataFormatError(path, f"not a readable run record ({error})") from None
    mine, theirs = settings
    return {key: (mine[key], theirs[key]) for key in sorted(mine.keys() & theirs.keys())
            if key not in ignored and mine[key] != theirs[key]}


_NO_DEFAULT = object()


def _default_at(settings: Any, key: str) -> Any:
    """The JSON form of the default of the dotted field KEY of SETTINGS' dataclasses, or
    _NO_DEFAULT where KEY has none (or is not a field)."""
    *parents, name = key.split(".")
    owner = settings
    for parent in parents:
        owner = getattr(owner, parent, None)
    if not dataclasses.is_dataclass(owner):
        return _NO_DEFAULT
    field = next((f for f in dataclasses.fields(owner) if f.name == name), None)
    if field is None:
        return _NO_DEFAULT
    if field.default is not dataclasses.MISSING:
        return json.loads(json.dumps(field.default))
    if field.default_factory is not dataclasses.MISSING:
        return json.loads(json.dumps(field.default_factory()))
    return _NO_DEFAULT


def _grows(stored: Any, given: Any) -> bool:
    """GIVEN extends STORED: a larger number, or a list holding every stored item and more
    (seeds added to a probe)."""
    if isinstance(stored, list) and isinstance(given, list):
        return all(item in given for item in stored) and len(given) > len(stored)
    return isinstance(stored, (int, float)) and isinstance(given, (int, float)) and given > stored


def checked_record(folder: str | os.PathLike, settings: Any, extendable: tuple[str, ...] = (),
                   ignored: tuple[str, ...] = ("output_dir", "model_dir"),
                   shortenable: tuple[str, ...] = ()) -> dict[str, Any]:
    """The record of SETTINGS for FOLDER/config.json, checked against the record already
    there; FOLDER is made and checked writable, nothing is written.

    A resumed run must be the same run: any differing field refuses to start, naming each
    field with its stored and its new value, before anything is written, except a raise of a
    field in EXTENDABLE (e.g. the epoch count: the run is only lengthened; a list may gain
    items, e.g. a probe's seeds) or a lowering of
    one in SHORTENABLE (a run whose schedule does not depend on its length ends early; the
    caller checks that no more was done already), each appended to the record's `history`.
    IGNORED fields (where the folder itself is) may differ freely. A field the stored record
    lacks (the run was made before the field existed) counts as its default: given at its
    default it is no change, given otherwise it is refused like any other.
    """
    require_writable_folder(os.fspath(folder))
    path = os.path.join(os.fspath(folder), CONFIG_FILE)
    new = json.loads(json.dumps(record(settings)))  # tuples as lists, as stored
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as stream:
                old = json.load(stream)
            stored = _flat(old["settings"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise SettingsMismatch(f"{path}: not a readable run record ({error}); move it "
                                   "away or choose another folder") from error
        given = _flat(new["settings"])
        changed = {key: (stored.get(key), given.get(key))
                   for key in sorted(stored.keys() | given.keys())
                   if stored.get(key) != given.get(key) and key.split(".")[-1] not in ignored
                   and not (key not in stored and given[key] == _default_at(settings, key))}
        refused = {key: values for key, values in changed.items()
                   if not (key in extendable and _grows(*values))
                   and not (key in shortenable and _grows(*reversed(values)))}
        if refused:
            raise SettingsMismatch(
                f"{path}: this folder holds a run made with other settings; start a new "
                "folder or give the stored values. Differing: " + "; ".join(
                    f"{key} stored {old_value!r}, given {new_value!r}"
                    for key, (old_value, new_value) in refused.items()))
        new["history"] = old.get("history", []) + (
            [{"changed": {key: list(values) for key, values in changed.items()},
              "command": new["command"]}] if changed else [])
    return new


def open_run(folder: str | os.PathLike, settings: Any, **rules: tuple[str, ...]
             ) -> dict[str, Any]:
    """`checked_record` (RULES: its extendable, ignored, shortenable), written to
    FOLDER/config.json before the run's work; returns it."""
    new = checked_record(folder, settings, **rules)
    write_record(folder, new)
    return new


def write_record(folder: str | os.PathLike, record: dict[str, Any]) -> None:
    """RECORD (of `checked_record`) as FOLDER/config.json, atomically."""
    write_text(os.path.join(os.fspath(folder), CONFIG_FILE), json.dumps(record, indent=2) + "\n")


class SettingConflict(ValueError):
    """A setting the data contradicts, found once the data is loaded (a batch larger than
    the training set): the message names the setting."""


FILE_SYSTEM_REFUSALS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                        errno.EFBIG)
USER_ERRORS = (SettingsMismatch, RunFolderError, NonFiniteLoss, SettingConflict,
               DataFormatError)


def exit_on_user_error(binary: str, work: Callable[[], T],
                       also: tuple[type[Exception], ...] = ()) -> T:
    """WORK's result; an error of the user's input or settings (USER_ERRORS: a changed
    setting, an unusable run folder, a malformed file, a loss that turned NaN; and ALSO, the
    binary's own kinds, such as a model file that is not one) ends the binary with its
    one-line message and status 1 instead of a traceback; the message names the folder,
    file or setting. So does a file system that refuses a write (full, read-only, no
    permission), named with the path it refused."""
    try:
        return work()
    except (*USER_ERRORS, *also) as error:
        sys.exit(f"{binary}: {error}")
    except OSError as error:
        if error.errno not in FILE_SYSTEM_REFUSALS:
            raise
        where = error.filename or "the output folder"
        sys.exit(f"{binary}: {where}: {error.strerror or error}")
