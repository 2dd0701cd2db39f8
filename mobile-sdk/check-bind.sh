#!/usr/bin/env bash
# check-bind.sh is the CI check of the mobile SDK:
#   1. gobind (golang.org/x/mobile/cmd/gobind, at a pinned version) generates the Go and Java
#      bindings of the facade package, and no exported symbol of the facade may be skipped —
#      neither with gobind's "// skipped ..." comments nor silently (gobind drops, without a
#      word, named types that are neither structs nor interfaces, and functions whose
#      signatures name unexported types);
#   2. the SDK's library packages cross-compile for android/arm64 and ios/arm64 with
#      CGO_ENABLED=0 (its commands are desktop tools);
#   3. the SDK links no server dependency (Echo, the MongoDB driver, Firebase, FerretDB,
#      modernc SQLite).
# It exits non-zero if any step fails and says which. The repository's go.mod is not touched:
# gobind runs in a throwaway module that requires this one through a replace directive.
set -uo pipefail

GOBIND_VERSION="${GOBIND_VERSION:-v0.0.0-20261011034528-197770444867}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$(cd "$ROOT" && go list -m)"
FACADE="$MODULE/mobile-sdk/custody"
FACADE_DIR="$ROOT/mobile-sdk/custody"
FORBIDDEN='^(github\.com/labstack/echo|go\.mongodb\.org/mongo-driver|firebase\.google\.com|github\.com/FerretDB|modernc\.org/sqlite)'

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=()
fail() { echo "FAIL: $*" >&2; failures+=("$*"); }
step() { echo "== $*"; }

step "install gobind $GOBIND_VERSION"
if ! (cd "$work" && GOFLAGS= GOBIN="$work/bin" go install "golang.org/x/mobile/cmd/gobind@$GOBIND_VERSION"); then
	fail "go install golang.org/x/mobile/cmd/gobind@$GOBIND_VERSION"
fi

if [[ -x "$work/bin/gobind" ]]; then
	step "gobind -lang=go,java $FACADE"
	mkdir -p "$work/mod" "$work/out"
	cat >"$work/mod/go.mod" <<EOF
module bindcheck.invalid/mod

go $(cd "$ROOT" && go list -m -f '{{.GoVersion}}')

require $MODULE v0.0.0

replace $MODULE => $ROOT
EOF
	cp "$ROOT/go.sum" "$work/mod/go.sum"
	cat >"$work/mod/tools.go" <<EOF
//go:build tools

package mod

import (
	_ "$FACADE"
	_ "golang.org/x/mobile/bind"
)
EOF
	if ! (cd "$work/mod" && GOFLAGS= go get "golang.org/x/mobile/bind@$GOBIND_VERSION" >"$work/get.log" 2>&1); then
		cat "$work/get.log" >&2
		fail "go get golang.org/x/mobile/bind@$GOBIND_VERSION in the throwaway module"
	elif ! (cd "$work/mod" && GOFLAGS= "$work/bin/gobind" -lang=go,java -outdir "$work/out" "$FACADE"); then
		fail "gobind could not bind $FACADE"
	else
		if grep -rn "skipped" "$work/out" >&2; then
			fail "gobind skipped exported symbols of the facade (listed above)"
		fi
		# Every exported name of the facade must have its proxy in the generated Go.
		cat >"$work/names.go" <<'EOF'
// names lists the exported API of a Go package and checks that gobind generated a proxy for
// each part of it. Usage: go run names.go <package dir> <generated go_<pkg>main.go>
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
)

func main() {
	gen, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, os.Args[1], func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	missing := 0
	want := func(what, marker string) {
		if !strings.Contains(string(gen), marker) {
			fmt.Fprintf(os.Stderr, "not bound: %s (no %q in the generated code)\n", what, marker)
			missing++
		}
	}
	for name, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					if d.Recv == nil {
						want("func "+d.Name.Name, "proxy"+name+"__"+d.Name.Name+"(")
						continue
					}
					recv := d.Recv.List[0].Type
					if s, ok := recv.(*ast.StarExpr); ok {
						recv = s.X
					}
					if id, ok := recv.(*ast.Ident); ok && id.IsExported() {
						want("method "+id.Name+"."+d.Name.Name, "proxy"+name+"_"+id.Name+"_"+d.Name.Name+"(")
					}
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							if !s.Name.IsExported() {
								continue
							}
							switch t := s.Type.(type) {
							case *ast.StructType:
								want("struct "+s.Name.Name, "new_"+name+"_"+s.Name.Name+"(")
								for _, fld := range t.Fields.List {
									for _, n := range fld.Names {
										if n.IsExported() {
											want("field "+s.Name.Name+"."+n.Name, "proxy"+name+"_"+s.Name.Name+"_"+n.Name+"_Set(")
										}
									}
								}
							case *ast.InterfaceType:
								want("interface "+s.Name.Name, "type proxy"+name+"_"+s.Name.Name+" ")
								for _, m := range t.Methods.List {
									for _, n := range m.Names {
										want("interface method "+s.Name.Name+"."+n.Name, "proxy"+name+"_"+s.Name.Name+"_"+n.Name+"(")
									}
								}
							default:
								fmt.Fprintf(os.Stderr, "not bound: type %s is neither a struct nor an interface; gobind drops it silently\n", s.Name.Name)
								missing++
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								if n.IsExported() {
									fmt.Fprintf(os.Stderr, "not checked: exported %s %s; this check binds only funcs, structs and interfaces\n", d.Tok, n.Name)
									missing++
								}
							}
						}
					}
				}
			}
		}
	}
	if missing > 0 {
		os.Exit(1)
	}
}
EOF
		pkgname="$(cd "$ROOT" && go list -f '{{.Name}}' "$FACADE")"
		if ! (cd "$work" && GOFLAGS= go run names.go "$FACADE_DIR" "$work/out/src/gobind/go_${pkgname}main.go"); then
			fail "exported names of the facade that gobind did not bind (listed above)"
		fi
	fi
fi

cd "$ROOT" || exit 1
# The library packages are what phones embed; commands (the device simulator) run on desktops,
# and an ios/arm64 executable cannot be linked without cgo at all.
mapfile -t libs < <(go list -f '{{if ne .Name "main"}}{{.ImportPath}}{{end}}' ./mobile-sdk/... | grep .)
if ((${#libs[@]} == 0)); then
	fail "go list found no SDK packages under ./mobile-sdk"
fi
for target in android/arm64 ios/arm64; do
	step "CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build (${#libs[@]} SDK packages)"
	if ! CGO_ENABLED=0 GOOS="${target%/*}" GOARCH="${target#*/}" go build "${libs[@]}"; then
		fail "cross-compiling the SDK for $target"
	fi
	step "go list -deps of the SDK for $target: no server dependency"
	if ! deps="$(CGO_ENABLED=0 GOOS="${target%/*}" GOARCH="${target#*/}" go list -deps "${libs[@]}")"; then
		fail "go list -deps of the SDK for $target"
	elif bad="$(grep -E "$FORBIDDEN" <<<"$deps")"; then
		echo "$bad" >&2
		fail "the SDK links server dependencies for $target (listed above)"
	fi
done
step "go list -deps ./mobile-sdk/... (with the commands): no server dependency"
if ! deps="$(go list -deps ./mobile-sdk/...)"; then
	fail "go list -deps ./mobile-sdk/..."
elif bad="$(grep -E "$FORBIDDEN" <<<"$deps")"; then
	echo "$bad" >&2
	fail "./mobile-sdk/... links server dependencies (listed above)"
fi

if ((${#failures[@]} > 0)); then
	echo "check-bind: ${#failures[@]} check(s) failed:" >&2
	printf '  - %s\n' "${failures[@]}" >&2
	exit 1
fi
echo "check-bind: ok — facade fully bound by gobind $GOBIND_VERSION, SDK builds for android/arm64 and ios/arm64 without cgo, no server dependency"
