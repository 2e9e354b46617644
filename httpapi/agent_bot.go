package httpapi

import (
	"net/http"

	"github.com/novatalks/novatalks"
)

// AppAgentBotJSON is an agent bot in the shape of Chatwoot's agent bot view,
// with its access token (every bot endpoint is for administrators).
type AppAgentBotJSON struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Thumbnail   string         `json:"thumbnail"`
	OutgoingURL string         `json:"outgoing_url"`
	BotType     string         `json:"bot_type"`
	BotConfig   map[string]any `json:"bot_config"`
	AccountID   int64          `json:"account_id"`
	AccessToken string         `json:"access_token"`
	SystemBot   bool           `json:"system_bot"`
}

func newAppAgentBotJSON(b *novatalks.AgentBot) AppAgentBotJSON {
	return AppAgentBotJSON{ID: b.ID, Name: b.Name, Description: b.Description, Thumbnail: b.AvatarURL,
		OutgoingURL: b.OutgoingURL, BotType: "webhook", BotConfig: map[string]any{}, AccountID: b.AccountID,
		AccessToken: b.AccessToken}
}

func (s *Server) decodeAgentBot(w http.ResponseWriter, r *http.Request) (novatalks.AgentBotInput, error) {
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		OutgoingURL *string `json:"outgoing_url"`
	}
	err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body)
	return novatalks.AgentBotInput{Name: body.Name, Description: body.Description, OutgoingURL: body.OutgoingURL}, err
}

func (s *Server) handleListAgentBots(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	list, err := s.service.AgentBots(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapAll(list, newAppAgentBotJSON))
	return nil
}

// botAnswer writes a bot, or the error that getting it returned.
func botAnswer(w http.ResponseWriter, b *novatalks.AgentBot, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAppAgentBotJSON(b))
	return nil
}

func (s *Server) handleShowAgentBot(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.service.AgentBot(r.Context(), actor, id)
	return botAnswer(w, b, err)
}

func (s *Server) handleCreateAgentBot(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	in, err := s.decodeAgentBot(w, r)
	if err != nil {
		return err
	}
	b, err := s.service.CreateAgentBot(r.Context(), actor, in)
	return botAnswer(w, b, err)
}

func (s *Server) handleUpdateAgentBot(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	in, err := s.decodeAgentBot(w, r)
	if err != nil {
		return err
	}
	b, err := s.service.UpdateAgentBot(r.Context(), actor, id, in)
	return botAnswer(w, b, err)
}

func (s *Server) handleResetAgentBotToken(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.service.ResetAgentBotToken(r.Context(), actor, id)
	return botAnswer(w, b, err)
}

func (s *Server) handleDeleteAgentBot(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.service.DeleteAgentBot(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleSetInboxAgentBot serves Chatwoot's POST .../inboxes/{id}/set_agent_bot
// {"agent_bot": id} (null takes the inbox back from its bot).
func (s *Server) handleSetInboxAgentBot(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		AgentBot optional[int64] `json:"agent_bot"`
	}
	if err := decodeJSON(w, r, s.service.Limits.MaxBodyBytes, &body); err != nil {
		return err
	}
	if !body.AgentBot.Set {
		return novatalks.Errorf(novatalks.EINVALID, "agent_bot is required (null takes the inbox back from its bot)")
	}
	if err := s.service.SetInboxAgentBot(r.Context(), actor, id, body.AgentBot.Value); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// handleShowInboxAgentBot serves GET .../inboxes/{id}/agent_bot:
// {"agent_bot": {...}} or {"agent_bot": null}.
func (s *Server) handleShowInboxAgentBot(w http.ResponseWriter, r *http.Request, actor novatalks.Actor) error {
	id, err := agentPathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.service.InboxAgentBot(r.Context(), actor, id)
	if err != nil {
		return err
	}
	var resp struct {
		AgentBot *AppAgentBotJSON `json:"agent_bot"`
	}
	if b != nil {
		j := newAppAgentBotJSON(b)
		resp.AgentBot = &j
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
