package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunServesUntilCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutReader, stdoutWriter := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-mount", "transit,kms"}, stdoutWriter, io.Discard)
		stdoutWriter.Close()
	}()

	settings := make(map[string]string)
	scanner := bufio.NewScanner(stdoutReader)
	for len(settings) < 4 && scanner.Scan() {
		name, value, ok := strings.Cut(scanner.Text(), "=")
		require.True(t, ok, "output line %q is not NAME=value", scanner.Text())
		settings[name] = value
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutReader) }()
	require.Contains(t, settings, "VAULT_ADDR")
	require.Contains(t, settings, "VAULT_TOKEN")
	assert.True(t, strings.HasPrefix(settings["VAULT_ADDR"], "http://127.0.0.1:"), "VAULT_ADDR %q", settings["VAULT_ADDR"])

	client, err := api.NewClient(&api.Config{Address: settings["VAULT_ADDR"], HttpClient: &http.Client{Timeout: 10 * time.Second}})
	require.NoError(t, err)
	client.SetToken(settings["VAULT_TOKEN"])
	client.ClearNamespace()
	for _, mount := range []string{"transit", "kms"} {
		_, err = client.Logical().WriteWithContext(ctx, mount+"/keys/kek", nil)
		assert.NoError(t, err, "create a key at %s", mount)
	}

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"public address": {"-addr", "0.0.0.0:0"},
		"reserved mount": {"-addr", "127.0.0.1:0", "-mount", "sys"},
		"extra argument": {"-addr", "127.0.0.1:0", "serve"},
		"unknown flag":   {"-port", "8200"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), args, io.Discard, io.Discard)
			assert.Error(t, err)
		})
	}
}
