package transcript

import "testing"

func TestClassifyCommand(t *testing.T) {
	tests := []struct {
		cmd, want string
	}{
		{"go test ./...", CommandTest},
		{"go test -run TestX ./internal/store", CommandTest},
		{"npm test", CommandTest},
		{"npm run test:unit", CommandTest},
		{"yarn test --watch=false", CommandTest},
		{"pytest -q tests/", CommandTest},
		{"python -m pytest tests", CommandTest},
		{"uv run pytest", CommandTest},
		{"cargo test --all", CommandTest},
		{"make test", CommandTest},
		{"make -j4 check", CommandTest},
		{"CGO_ENABLED=0 go test ./...", CommandTest},
		{"cd /repo && go test ./... 2>&1 | tail -20", CommandTest},
		{"timeout 600 go test ./...", CommandTest},
		{"go vet ./... && go test ./...", CommandTest},  // test beats lint
		{"go build ./... && go vet ./...", CommandLint}, // lint beats build
		{"eslint src", CommandLint},
		{"npx eslint .", CommandLint},
		{"./node_modules/.bin/eslint src", CommandLint},
		{"golangci-lint run", CommandLint},
		{"go vet ./...", CommandLint},
		{"ruff check .", CommandLint},
		{"flake8 app", CommandLint},
		{"npm run lint", CommandLint},
		{"make lint", CommandLint},
		{"go build ./...", CommandBuild},
		{"npm run build", CommandBuild},
		{"cargo build --release", CommandBuild},
		{"make", CommandBuild},
		{"make install", CommandBuild},
		{"(cd web && npm run build)", CommandBuild},
		{"npx tsc --noEmit --skipLibCheck", CommandLint},
		{"tsc -p .", CommandBuild},
		{"mix test", CommandTest},
		{"mix format --check-formatted", CommandLint},
		{"mix compile", CommandBuild},
		{"mix phx.server", CommandOther},
		{"cat > Makefile <<'EOF'\ntest:\n\tgo test ./...\nEOF", CommandOther},
		{"cat > a.sh << EOF\nmake test\nEOF\nmake", CommandBuild},
		{"git status", CommandOther},
		{"ls -la", CommandOther},
		{"npm install", CommandOther},
		{"go mod download", CommandOther},
		{`git commit -m "make test pass"`, CommandOther},
		{`echo "go test"`, CommandOther},
		{"cd /repo", CommandOther},
		{"", CommandOther},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			if got := ClassifyCommand(tt.cmd); got != tt.want {
				t.Errorf("ClassifyCommand(%q) = %q, want %q", tt.cmd, got, tt.want)
			}
		})
	}
}
