package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// floorFlags are the build flags install.sh gives c3cred, for the floors: a floor built another
// way would make a different program start, and the ratio would measure the build.
var floorFlags = []string{"-trimpath", "-ldflags", "-s -w"}

// binaries are the programs one run times.
type binaries struct {
	dir       string // holds c3cred and its git-credential-c3 link, as install.sh leaves them
	hello     string
	keyring   string // the go-keyring floor
	compare   string // the folder of -compare's c3cred, or ""
	root      string // the repository
	goVersion string

	// copyDir holds the copies timed runs start, listed in copies by name: see placeCopies.
	copyDir string
	copies  map[string][]string
}

func (b *binaries) c3cred() string { return filepath.Join(b.dir, "c3cred") }

// Names of the binaries among the copies.
const (
	c3credName  = "c3cred"
	helloName   = "hello"
	keyringName = "keyringget"
	compareName = "compare-c3cred"
)

// build makes c3cred with install.sh into scratch, the floors beside it, and, when compare names
// another checkout, that checkout's c3cred with its own install.sh.
func build(scratch, compare string) (*binaries, error) {
	root, err := goEnv("GOMOD")
	if err != nil || root == "" || root == os.DevNull {
		return nil, fmt.Errorf("run the bench inside the c3cred repository (go env GOMOD: %q)", root)
	}
	b := &binaries{root: filepath.Dir(root), dir: filepath.Join(scratch, "bin")}
	if b.goVersion, err = goEnv("GOVERSION"); err != nil {
		return nil, err
	}

	progress("building c3cred with install.sh and the floors (%s)", b.goVersion)
	if err := install(b.root, scratch); err != nil {
		return nil, err
	}
	b.hello = filepath.Join(b.dir, "hello")
	b.keyring = filepath.Join(b.dir, "keyringget")
	for pkg, out := range map[string]string{"hello": b.hello, "keyringget": b.keyring} {
		if err := buildFloor(b.root, "./bench/floor/"+pkg, out); err != nil {
			return nil, err
		}
	}

	bins := map[string]string{c3credName: b.c3cred(), helloName: b.hello, keyringName: b.keyring}
	if compare != "" {
		b.compare = filepath.Join(scratch, "compare", "bin")
		progress("building the c3cred of %s with its install.sh", compare)
		if err := install(compare, filepath.Join(scratch, "compare")); err != nil {
			return nil, err
		}
		bins[compareName] = filepath.Join(b.compare, "c3cred")
	}

	b.copyDir = filepath.Join(scratch, "copies")
	b.copies, err = placeCopies(b.copyDir, bins)
	return b, err
}

// install runs the install.sh of the checkout at dir with PREFIX=prefix, so that the binary timed
// is the one users get, built exactly the way they get it.
func install(dir, prefix string) error {
	cmd := exec.Command("sh", filepath.Join(dir, "install.sh"))
	cmd.Env = append(os.Environ(), "PREFIX="+prefix)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s/install.sh: %v\n%s", dir, err, out)
	}
	return nil
}

// buildFloor builds the floor package pkg to out without cgo, with install.sh's flags.
func buildFloor(root, pkg, out string) error {
	args := append([]string{"build"}, floorFlags...)
	cmd := exec.Command("go", append(args, "-o", out, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return nil
}

func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// size is a file's size in MB, for the table's caption.
func size(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.1f MB", float64(info.Size())/1e6)
}
