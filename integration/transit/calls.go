package transit

import "github.com/hashicorp/vault/sdk/logical"

// maxRecordedCalls bounds the call log so that a long-running transit-dev
// process does not grow without limit. Older calls are dropped first.
const maxRecordedCalls = 100_000

// Call is one request that reached the server.
type Call struct {
	// Namespace is the X-Vault-Namespace of the request without the
	// trailing slash, "" for the root namespace.
	Namespace string
	// Operation is "read" (GET), "write" (POST or PUT), "delete", "list"
	// (LIST or GET with list=true), "patch", or the HTTP method of a
	// request that has no Vault operation.
	Operation string
	// Path is the path after /v1/ without trailing slash, for example
	// "transit/encrypt/kek".
	Path string
	// Status is the HTTP status of the response, or 0 when the client
	// closed the connection before the response was written.
	Status int
}

// Operation names used in Call.Operation.
const (
	OpRead   = "read"
	OpWrite  = "write"
	OpDelete = "delete"
	OpList   = "list"
	OpPatch  = "patch"
)

func operationName(op logical.Operation) string {
	switch op {
	case logical.ReadOperation:
		return OpRead
	case logical.UpdateOperation, logical.CreateOperation:
		return OpWrite
	case logical.DeleteOperation:
		return OpDelete
	case logical.ListOperation:
		return OpList
	case logical.PatchOperation:
		return OpPatch
	}
	return string(op)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) >= maxRecordedCalls {
		n := copy(s.calls, s.calls[len(s.calls)/2:])
		s.calls = s.calls[:n]
	}
	s.calls = append(s.calls, c)
}

// Calls returns the requests received since the start or the last
// ResetCalls, oldest first. Requests refused while stopped never reach the
// server and are not recorded.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount returns how many recorded calls, in any namespace, had the
// operation op (one of the Op constants) and the path, for example
// CallCount(transit.OpWrite, "transit/encrypt/kek").
func (s *Server) CallCount(op, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Operation == op && c.Path == path {
			n++
		}
	}
	return n
}

// ResetCalls clears the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}
