package transit

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/logical"
)

// vaultVersion is the Vault release whose Transit engine this package
// builds, reported by sys/health and sys/seal-status.
const vaultVersion = "1.21.4"

const clusterName = "transit-test-cluster"

// handleHealth serves sys/health, honoring the sealedcode and activecode
// query parameters that vault/api's Sys().Health sends.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeErrors(w, http.StatusMethodNotAllowed, "unsupported operation")
		return
	}
	sealed := s.isSealed()
	status := http.StatusOK
	param, def := "activecode", http.StatusOK
	if sealed {
		param, def = "sealedcode", http.StatusServiceUnavailable
	}
	status = def
	if v := r.URL.Query().Get(param); v != "" {
		code, err := strconv.Atoi(v)
		if err != nil || code < 100 || code > 599 {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("invalid %s %q: must be an HTTP status code", param, v))
			return
		}
		status = code
	}
	writeJSON(w, status, map[string]any{
		"initialized":                  true,
		"sealed":                       sealed,
		"standby":                      false,
		"performance_standby":          false,
		"replication_performance_mode": "disabled",
		"replication_dr_mode":          "disabled",
		"server_time_utc":              s.opts.Now().Unix(),
		"version":                      vaultVersion,
		"enterprise":                   false,
		"cluster_name":                 clusterName,
		"cluster_id":                   s.clusterID(),
	})
}

// handleSealStatus serves sys/seal-status.
func (s *Server) handleSealStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeErrors(w, http.StatusMethodNotAllowed, "unsupported operation")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type":          "shamir",
		"initialized":   true,
		"sealed":        s.isSealed(),
		"t":             1,
		"n":             1,
		"progress":      0,
		"nonce":         "",
		"version":       vaultVersion,
		"build_date":    "",
		"migration":     false,
		"cluster_name":  clusterName,
		"cluster_id":    s.clusterID(),
		"recovery_seal": false,
		"storage_type":  "inmem",
	})
}

// clusterID derives a stable ID from the role ID, which is random per
// server.
func (s *Server) clusterID() string {
	id := s.roleID
	return id[0:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32]
}

// handleSys serves the sys/ paths that manage mounts and namespaces.
func (s *Server) handleSys(w http.ResponseWriter, r *http.Request, op logical.Operation, nsPath, path string) {
	switch {
	case path == "mounts" && op == logical.ReadOperation:
		s.handleListMounts(w, nsPath)

	case strings.HasPrefix(path, "mounts/") && op == logical.UpdateOperation:
		data, ok := s.readBody(w, r, op)
		if !ok {
			return
		}
		typ := stringField(data, "type")
		if typ == "" {
			writeErrors(w, http.StatusBadRequest, "backend type must be specified as a string")
			return
		}
		if typ != mountType {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("plugin not found in the catalog: %s", typ))
			return
		}
		if err := s.Mount(nsPath, strings.TrimPrefix(path, "mounts/")); err != nil {
			writeErrors(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "transit: "))
			return
		}
		w.WriteHeader(http.StatusNoContent)

	case strings.HasPrefix(path, "mounts/") && op == logical.DeleteOperation:
		if err := s.Unmount(nsPath, strings.TrimPrefix(path, "mounts/")); err != nil {
			writeErrors(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "transit: "))
			return
		}
		w.WriteHeader(http.StatusNoContent)

	case strings.HasPrefix(path, "namespaces/") && op == logical.UpdateOperation:
		child, err := cleanNamespace(strings.TrimPrefix(path, "namespaces/"))
		if err != nil || child == "" {
			writeErrors(w, http.StatusBadRequest, fmt.Sprintf("invalid namespace path %q", strings.TrimPrefix(path, "namespaces/")))
			return
		}
		full := nsPath + child
		if err := s.CreateNamespace(full); err != nil {
			writeErrors(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "transit: "))
			return
		}
		s.writeData(w, map[string]any{"id": randomID(5), "path": full, "custom_metadata": map[string]string{}})

	default:
		writeErrors(w, http.StatusNotFound, "unsupported path")
	}
}

// handleListMounts serves GET sys/mounts for the Transit mounts of nsPath.
func (s *Server) handleListMounts(w http.ResponseWriter, nsPath string) {
	if !s.namespaceExists(nsPath) {
		writeErrors(w, http.StatusNotFound, fmt.Sprintf("namespace %q not found", nsPath))
		return
	}
	data := make(map[string]any)
	for _, m := range s.mountsOf(nsPath) {
		data[m.path] = map[string]any{
			"type":        mountType,
			"accessor":    m.accessor,
			"uuid":        m.uuid,
			"description": "",
			"local":       false,
			"seal_wrap":   false,
			"options":     nil,
			"config": map[string]any{
				"default_lease_ttl": int64((768 * time.Hour).Seconds()),
				"max_lease_ttl":     int64((768 * time.Hour).Seconds()),
				"force_no_cache":    false,
			},
		}
	}
	s.writeData(w, data)
}
