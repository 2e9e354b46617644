package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// adminRun runs "novatalks admin args..." on dir and returns its output.
func adminRun(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr syncBuffer
	env := map[string]string{"NOVATALKS_DATA": dir}
	err := run(context.Background(), append([]string{"admin"}, args...), func(k string) string { return env[k] }, nil, &stdout, &stderr)
	return stdout.String(), err
}

// field returns the value of a "name: value" line of admin output.
func field(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `: (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in %q", name, out)
	}
	return m[1]
}

// agentGet calls the agent API of the running server.
func agentGet(t *testing.T, base, token, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("api_access_token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// TestAdmin runs the operator commands against the data folder of a running
// server, as an operator would, and uses what they print on the server.
func TestAdmin(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"NOVATALKS_ADDR": addr, "NOVATALKS_DATA": dir, "NOVATALKS_ADMIN_TOKEN": "operator-known-token"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)

	t.Run("CreateAgentAndRotateToken", func(t *testing.T) {
		out, err := adminRun(t, dir, "create-agent", "--name", "Jane", "--email", "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		id, token := field(t, out, "agent_id"), field(t, out, "api_access_token")
		if status, p := agentGet(t, base, token, "/api/v1/profile"); status != 200 || p["email"] != "jane@example.com" || p["role"] != "agent" {
			t.Fatalf("profile with the printed token: %d %v", status, p)
		}
		out, err = adminRun(t, dir, "rotate-token", "--agent", id)
		if err != nil {
			t.Fatal(err)
		}
		fresh := field(t, out, "api_access_token")
		if status, _ := agentGet(t, base, token, "/api/v1/profile"); status != 401 {
			t.Errorf("the old token still answers %d", status)
		}
		if status, _ := agentGet(t, base, fresh, "/api/v1/profile"); status != 200 {
			t.Errorf("the new token answers %d", status)
		}
	})

	t.Run("CreateAccountAgentAndInbox", func(t *testing.T) {
		out, err := adminRun(t, dir, "create-account", "--name", "Second")
		if err != nil {
			t.Fatal(err)
		}
		account := field(t, out, "account_id")
		out, err = adminRun(t, dir, "create-agent", "--account", account, "--name", "Boss", "--email", "boss@example.com", "--role", "administrator")
		if err != nil {
			t.Fatal(err)
		}
		token := field(t, out, "api_access_token")
		out, err = adminRun(t, dir, "create-inbox", "--account", account, "--name", "Second SDK")
		if err != nil {
			t.Fatal(err)
		}
		inbox := field(t, out, "inbox_id")
		if status, in := agentGet(t, base, token, "/api/v1/accounts/"+account+"/inboxes/"+inbox); status != 200 || in["name"] != "Second SDK" {
			t.Errorf("the new inbox: %d %v", status, in)
		}
		if status, _ := agentGet(t, base, token, "/api/v1/accounts/1/inboxes/1"); status != 404 {
			t.Errorf("account 1 seen from the new account: %d", status)
		}
	})

	t.Run("SetPush", func(t *testing.T) {
		if _, err := adminRun(t, dir, "set-push", "--inbox", "1", "--url", "https://push.example.com/hook", "--enabled",
			"--header", "Custom-header: custom-value", "--bearer-token", "secret", "--param", "key-1=value2"); err != nil {
			t.Fatal(err)
		}
		status, in := agentGet(t, base, "operator-known-token", "/api/v1/accounts/1/inboxes/1")
		push, _ := in["push_integration"].(map[string]any)
		headers, _ := push["headers"].(map[string]any)
		params, _ := push["additional_params"].(map[string]any)
		if status != 200 || push["enabled"] != true || push["webhook_url"] != "https://push.example.com/hook" || push["bearer_token"] != "secret" ||
			headers["Custom-header"] != "custom-value" || params["key-1"] != "value2" {
			t.Errorf("push integration after set-push: %d %v", status, push)
		}
		if _, err := adminRun(t, dir, "set-push", "--inbox", "1", "--enabled=false", "--clear-headers"); err != nil {
			t.Fatal(err)
		}
		_, in = agentGet(t, base, "operator-known-token", "/api/v1/accounts/1/inboxes/1")
		if push := in["push_integration"].(map[string]any); push["enabled"] != false || len(push["headers"].(map[string]any)) != 0 || push["bearer_token"] != "secret" {
			t.Errorf("after disabling: %v", push)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"create-agent", "--name", "X", "--email", "nope"}, "email must be a valid email address"},
			{[]string{"create-agent", "--name", "Jane", "--email", "JANE@example.com"}, "email has already been taken"},
			{[]string{"create-inbox", "--account", "99", "--name", "X"}, "account not found"},
			{[]string{"rotate-token", "--agent", "99"}, "agent not found"},
			{[]string{"set-push", "--inbox", "1", "--url", "ftp://x"}, "push_integration.webhook_url must be an http(s) URL"},
			{[]string{"set-push", "--inbox", "1", "--header", "no colon"}, "must be 'Name: value'"},
			{[]string{"frobnicate"}, `unknown admin command "frobnicate"`},
		} {
			if _, err := adminRun(t, dir, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("admin %v: %v, want %q", tc.args, err, tc.want)
			}
		}
	})
}

// TestAdminOnFreshData bootstraps a new data folder like serve does.
func TestAdminOnFreshData(t *testing.T) {
	dir := t.TempDir()
	out, err := adminRun(t, dir, "create-inbox", "--name", "Extra")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Created account 1, SDK inbox 1") || field(t, out, "inbox_id") != "2" {
		t.Errorf("output %q", out)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil || len(strings.TrimSpace(string(saved))) != 22 {
		t.Errorf("admin-token = %q, %v", saved, err)
	}
}
