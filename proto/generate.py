"""Regenerate the Python code for the Caseline contract.

Usage (from the project root):
    python proto/generate.py          # write *_pb2.py, .pyi stubs, and *_pb2_grpc.py for
                                      # the .proto files that define a service
    python proto/generate.py --check  # exit 1 when the committed code is stale

The output depends only on the .proto files and the pinned grpcio-tools/mypy-protobuf, so
the check is a byte comparison against a fresh generation in a temporary directory.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent
PACKAGE_DIR = PROTO_ROOT / "caseline" / "v1"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi")
_WKT_INCLUDE = Path(protoc.__file__).parent / "_proto"


def _protoc(args: list[str]) -> None:
    if protoc.main(["protoc", f"-I{PROTO_ROOT}", f"-I{_WKT_INCLUDE}", *args]) != 0:
        raise SystemExit("protoc failed")


def _with_services(protos: list[str]) -> list[str]:
    """The protos that define a service: only they get gRPC stubs (an empty
    ``*_pb2_grpc.py`` is a module nobody can use)."""
    with tempfile.TemporaryDirectory() as tmp:
        descriptors = Path(tmp) / "descriptors.pb"
        _protoc([f"--descriptor_set_out={descriptors}", *protos])
        files = descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes()).file
    return [f.name for f in files if f.service]


def _generate(out_dir: Path) -> None:
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PACKAGE_DIR.glob("*.proto"))
    # The mypy plugins live beside the running interpreter, which need not be on PATH.
    bin_dir = Path(sys.executable).parent
    _protoc([
        f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
        f"--python_out={out_dir}",
        f"--mypy_out={out_dir}",
        *protos,
    ])
    services = _with_services(protos)
    if services:  # protoc refuses a run without input files
        _protoc([
            f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
            f"--grpc_python_out={out_dir}",
            f"--mypy_grpc_out={out_dir}",
            *services,
        ])


def _generated_files(root: Path) -> list[Path]:
    package = root / "caseline" / "v1"
    return sorted(p for p in package.iterdir() if p.name.endswith(GENERATED_SUFFIXES))


def main(argv: list[str]) -> int:
    """Generate into the tree, or with --check compare against a fresh generation."""
    check = "--check" in argv
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        _generate(out)
        fresh = {p.name: p for p in _generated_files(out)}
        current = {p.name: p for p in _generated_files(PROTO_ROOT)}
        if check:
            stale = sorted(
                name
                for name in fresh.keys() | current.keys()
                if name not in fresh
                or name not in current
                or not filecmp.cmp(fresh[name], current[name], shallow=False)
            )
            if stale:
                print("generated code is stale; run: python proto/generate.py", file=sys.stderr)
                for name in stale:
                    print(f"  {name}", file=sys.stderr)
                return 1
            print(f"generated code is up to date ({len(fresh)} files)")
            return 0
        for path in current.values():
            path.unlink()
        for name, path in fresh.items():
            shutil.copyfile(path, PACKAGE_DIR / name)
        print(f"wrote {len(fresh)} files to {PACKAGE_DIR.relative_to(PROTO_ROOT.parent)}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
