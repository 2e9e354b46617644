package httpapi

import (
	"net/http"
	"net/http/pprof"
	"runtime"
	"runtime/debug"

	"github.com/novatalks/novatalks"
)

func (s *Server) debugRoutes() {
	s.handle("POST /debug/free-memory", s.public(s.admin(s.handleFreeMemory)))
	// The Go profiler, for operators chasing a performance problem.
	s.handle("GET /debug/pprof/", s.public(s.admin(handlerError(pprof.Index))))
	s.handle("GET /debug/pprof/profile", s.public(s.admin(handlerError(pprof.Profile))))
	s.handle("GET /debug/pprof/trace", s.public(s.admin(handlerError(pprof.Trace))))
}

// admin lets only an administrator's API token (header api_access_token) through.
func (s *Server) admin(h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		user, err := s.service.AuthenticateUser(r.Context(), r.Header.Get("api_access_token"))
		if err != nil {
			return err
		}
		if user.Role != novatalks.RoleAdministrator {
			return novatalks.Errorf(novatalks.EFORBIDDEN, "only administrators may do this")
		}
		return h(w, r)
	}
}

func handlerError(h http.HandlerFunc) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error { h(w, r); return nil }
}

// handleFreeMemory runs the garbage collector and returns freed memory to the
// operating system, so that a load tool can read a settled resident size. Only
// an administrator's API token (header api_access_token) may call it.
func (s *Server) handleFreeMemory(w http.ResponseWriter, r *http.Request) error {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	writeJSON(w, http.StatusOK, map[string]uint64{
		"heap_inuse_bytes": ms.HeapInuse, "stack_inuse_bytes": ms.StackInuse, "sys_bytes": ms.Sys,
		"goroutines": uint64(runtime.NumGoroutine()),
	})
	return nil
}
