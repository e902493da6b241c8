package ccusage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestNativePackage(t *testing.T) {
	tests := []struct {
		goos, goarch, pkg, bin string
		wantErr                bool
	}{
		{"linux", "amd64", "@ccusage/ccusage-linux-x64", "bin/ccusage", false},
		{"linux", "arm64", "@ccusage/ccusage-linux-arm64", "bin/ccusage", false},
		{"darwin", "arm64", "@ccusage/ccusage-darwin-arm64", "bin/ccusage", false},
		{"windows", "amd64", "@ccusage/ccusage-win32-x64", "bin/ccusage.exe", false},
		{"linux", "386", "", "", true},
		{"freebsd", "amd64", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/"+tt.goarch, func(t *testing.T) {
			pkg, bin, err := nativePackage(tt.goos, tt.goarch)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if pkg != tt.pkg || filepath.ToSlash(bin) != tt.bin {
				t.Fatalf("got %q %q", pkg, bin)
			}
		})
	}
}

// fakeInstall lays out what npm leaves behind: the binary without its
// executable bit.
func fakeInstall(t *testing.T, dir, version string) string {
	t.Helper()
	pkgDir := filepath.Join(dir, "node_modules", "@ccusage", "ccusage-linux-x64")
	if err := os.MkdirAll(filepath.Join(pkgDir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	pj := "{\n  \"name\": \"@ccusage/ccusage-linux-x64\",\n  \"version\": \"" + version + "\"\n}"
	if err := os.WriteFile(filepath.Join(pkgDir, "package.json"), []byte(pj), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(pkgDir, "bin", "ccusage")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestInstalled(t *testing.T) {
	pkg, sub := "@ccusage/ccusage-linux-x64", filepath.Join("bin", "ccusage")

	t.Run("pinned version is used and made executable", func(t *testing.T) {
		dir := t.TempDir()
		want := fakeInstall(t, dir, Version)
		got, ok := installed(dir, pkg, sub)
		if !ok || got != want {
			t.Fatalf("installed = %q %v, want %q", got, ok, want)
		}
		st, err := os.Stat(got)
		if err != nil || st.Mode().Perm()&0o111 != 0o111 {
			t.Fatalf("binary not executable: %v %v", st.Mode(), err)
		}
	})
	t.Run("other version is not", func(t *testing.T) {
		dir := t.TempDir()
		fakeInstall(t, dir, "17.0.0")
		if _, ok := installed(dir, pkg, sub); ok {
			t.Fatal("an old version must not count as installed")
		}
	})
	t.Run("empty dir", func(t *testing.T) {
		if _, ok := installed(t.TempDir(), pkg, sub); ok {
			t.Fatal("nothing is installed")
		}
	})
}

func TestEnsureBinaryOverride(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ccusage")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, bin)
	got, err := Ensure(context.Background(), "/nonexistent")
	if err != nil || got != bin {
		t.Fatalf("Ensure = %q, %v; want %q", got, err, bin)
	}
	t.Setenv(EnvBinary, bin+".missing")
	if _, err := Ensure(context.Background(), ""); err == nil {
		t.Fatal("a missing override must be an error")
	}
}

func TestEnsureWithoutNPM(t *testing.T) {
	t.Setenv(EnvBinary, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := Ensure(context.Background(), t.TempDir()); err != ErrNPMUnavailable {
		t.Fatalf("err = %v, want ErrNPMUnavailable", err)
	}
}
