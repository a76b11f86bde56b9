package transit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	vaulttransit "github.com/hashicorp/vault/builtin/logical/transit"
	"github.com/hashicorp/vault/sdk/logical"
)

// mountType is the engine type reported in responses and accepted by
// sys/mounts.
const mountType = "transit"

// reservedPrefixes are the paths Vault's core keeps for itself.
var reservedPrefixes = []string{"sys/", "auth/", "identity/", "cubbyhole/"}

// namespace is one Vault namespace: a set of mounts with their own storage.
type namespace struct {
	path   string // "" for the root namespace, else "team-a/" with a trailing slash
	mounts map[string]*mount
}

// mount is one Transit backend over its own in-memory storage.
type mount struct {
	path     string // with a trailing slash, as Vault reports mount paths
	accessor string
	uuid     string
	backend  logical.Backend
	storage  *logical.InmemStorage
}

// cleanMountPath returns p with one trailing slash, or an error when p is
// not a path where Transit can be mounted.
func cleanMountPath(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", errors.New("mount path is empty")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("mount path %q has an empty, \".\" or \"..\" segment", p)
		}
	}
	p += "/"
	for _, reserved := range reservedPrefixes {
		if strings.HasPrefix(p, reserved) {
			return "", fmt.Errorf("mount path %q is reserved by Vault (%s)", p, reserved)
		}
	}
	return p, nil
}

// cleanNamespace returns the namespace path with a trailing slash ("" for the
// root namespace), accepting the forms X-Vault-Namespace allows: "a", "a/",
// "/a/b", and "root".
func cleanNamespace(ns string) (string, error) {
	ns = strings.Trim(ns, "/")
	if ns == "" || ns == "root" {
		return "", nil
	}
	for _, seg := range strings.Split(ns, "/") {
		if seg == "" || seg == "." || seg == ".." || seg == "root" {
			return "", fmt.Errorf("namespace %q has an empty, \".\", \"..\" or \"root\" segment", ns)
		}
	}
	return ns + "/", nil
}

// CreateNamespace adds a namespace with Transit at each of Options.Mounts,
// over storage no other namespace can see. Creating an existing namespace
// does nothing. The name "" or "root" is the root namespace.
func (s *Server) CreateNamespace(name string) error {
	path, err := cleanNamespace(name)
	if err != nil {
		return fmt.Errorf("transit: %w", err)
	}
	s.mu.Lock()
	if _, ok := s.namespaces[path]; ok {
		s.mu.Unlock()
		return nil
	}
	s.namespaces[path] = &namespace{path: path, mounts: make(map[string]*mount)}
	s.mu.Unlock()

	for _, m := range s.opts.Mounts {
		if err := s.Mount(name, m); err != nil {
			return err
		}
	}
	return nil
}

// Mount enables a new Transit backend at path in the namespace ns ("" for
// the root namespace), like POST sys/mounts/<path> with type "transit". It
// fails when the namespace does not exist or the path overlaps a mount.
func (s *Server) Mount(ns, path string) error {
	nsPath, err := cleanNamespace(ns)
	if err != nil {
		return fmt.Errorf("transit: %w", err)
	}
	mountPath, err := cleanMountPath(path)
	if err != nil {
		return fmt.Errorf("transit: %w", err)
	}
	m, err := newMount(mountPath)
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.namespaces[nsPath]
	if !ok {
		m.backend.Cleanup(context.Background())
		return fmt.Errorf("transit: namespace %q not found; create it with CreateNamespace", nsPath)
	}
	for existing := range n.mounts {
		if strings.HasPrefix(existing, mountPath) || strings.HasPrefix(mountPath, existing) {
			m.backend.Cleanup(context.Background())
			return fmt.Errorf("transit: path is already in use at %s", existing)
		}
	}
	n.mounts[mountPath] = m
	return nil
}

// Unmount removes the mount at path in the namespace ns with its keys.
// Removing a missing mount does nothing, as in Vault.
func (s *Server) Unmount(ns, path string) error {
	nsPath, err := cleanNamespace(ns)
	if err != nil {
		return fmt.Errorf("transit: %w", err)
	}
	mountPath, err := cleanMountPath(path)
	if err != nil {
		return fmt.Errorf("transit: %w", err)
	}
	s.mu.Lock()
	var m *mount
	if n, ok := s.namespaces[nsPath]; ok {
		m = n.mounts[mountPath]
		delete(n.mounts, mountPath)
	}
	s.mu.Unlock()
	if m != nil {
		m.backend.Cleanup(context.Background())
	}
	return nil
}

func newMount(path string) (*mount, error) {
	m := &mount{
		path:     path,
		accessor: "transit_" + randomHex(4),
		uuid:     newUUID(),
		storage:  &logical.InmemStorage{},
	}
	conf := &logical.BackendConfig{
		StorageView: m.storage,
		Logger:      hclog.NewNullLogger(),
		System: logical.StaticSystemView{
			DefaultLeaseTTLVal: 768 * time.Hour,
			MaxLeaseTTLVal:     768 * time.Hour,
			VersionString:      vaultVersion,
		},
		BackendUUID: m.uuid,
		Config:      map[string]string{},
	}
	ctx := context.Background()
	b, err := vaulttransit.Factory(ctx, conf)
	if err != nil {
		return nil, fmt.Errorf("transit: build backend for %s: %w", path, err)
	}
	if err := b.Initialize(ctx, &logical.InitializationRequest{Storage: m.storage}); err != nil {
		b.Cleanup(ctx)
		return nil, fmt.Errorf("transit: initialize backend for %s: %w", path, err)
	}
	m.backend = b
	return m, nil
}

// route returns the mount that serves path in the namespace nsPath and the
// path relative to it. The longest mount path wins, as in Vault's router.
func (s *Server) route(nsPath, path string) (*mount, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.namespaces[nsPath]
	if !ok {
		return nil, "", false
	}
	var best *mount
	for p, m := range n.mounts {
		if strings.HasPrefix(path+"/", p) && (best == nil || len(p) > len(best.path)) {
			best = m
		}
	}
	if best == nil {
		return nil, "", false
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(path, strings.TrimSuffix(best.path, "/")), "/")
	return best, rel, true
}

// namespaceExists reports whether nsPath was created.
func (s *Server) namespaceExists(nsPath string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.namespaces[nsPath]
	return ok
}

// mountsOf returns a snapshot of the mounts of nsPath.
func (s *Server) mountsOf(nsPath string) []*mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.namespaces[nsPath]
	if !ok {
		return nil
	}
	out := make([]*mount, 0, len(n.mounts))
	for _, m := range n.mounts {
		out = append(out, m)
	}
	return out
}
