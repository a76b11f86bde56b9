package spapitest

import (
	"runtime"
	"sync"
	"weak"
)

// apiState is the state of the typed API handlers of one Server: the
// sandbox switch and the loaded data sets.
type apiState struct {
	registered sync.Once

	mu      sync.Mutex
	sandbox sandboxState
	data    *store
}

// apiStates maps each live Server to its apiState. The key is weak and an
// entry is dropped when its Server is collected, so servers created by many
// tests do not accumulate.
//
// NOTE: a field on Server would be simpler; this keeps the typed API state
// out of the core server's files.
var apiStates sync.Map // weak.Pointer[Server] -> *apiState

func (s *Server) apis() *apiState {
	key := weak.Make(s)
	if st, ok := apiStates.Load(key); ok {
		return st.(*apiState)
	}
	st, loaded := apiStates.LoadOrStore(key, &apiState{data: newStore()})
	if !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Server]) { apiStates.Delete(k) }, key)
	}
	return st.(*apiState)
}
