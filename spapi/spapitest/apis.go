package spapitest

// registerAPIs is called by New. The typed operations are registered later,
// by the first call of Load, EnableSandbox or SelectExample (see
// operations.go), so that a test can serve any operation with its own
// handler through Handle on a server without data sets.
func (s *Server) registerAPIs() {}
