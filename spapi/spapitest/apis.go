package spapitest

// registerAPIs registers the handlers of the typed SP-APIs.
func (s *Server) registerAPIs() {}
