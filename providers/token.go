package providers

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Token is a persisted credential: an OAuth2 token or a session (Bluesky
// access and refresh JWTs). Extra carries platform details such as a DID or
// the PDS URL a session belongs to.
type Token struct {
	AccessToken  string            `json:"access_token"`
	RefreshToken string            `json:"refresh_token,omitempty"`
	TokenType    string            `json:"token_type,omitempty"`
	Expiry       time.Time         `json:"expiry,omitzero"`
	Extra        map[string]string `json:"extra,omitempty"`
}

// String hides the secrets, so a Token printed by mistake leaks nothing.
func (t Token) String() string {
	return fmt.Sprintf("Token{type=%q expiry=%s access=[redacted] refresh=[redacted]}", t.TokenType, t.Expiry.Format(time.RFC3339))
}

// GoString hides the secrets from %#v too.
func (t Token) GoString() string { return t.String() }

// TokenStore persists credentials under a key chosen by the caller (for
// example "bluesky:alice.bsky.social"). Implementations must be safe for
// concurrent use.
type TokenStore interface {
	// LoadToken returns the token saved under key, or an error wrapping
	// ErrNotFound.
	LoadToken(ctx context.Context, key string) (Token, error)
	// SaveToken saves t under key, replacing what was there.
	SaveToken(ctx context.Context, key string, t Token) error
	// DeleteToken removes the token under key; removing a missing key is
	// not an error.
	DeleteToken(ctx context.Context, key string) error
}

// MemoryTokenStore is a TokenStore held in memory. The zero value is ready.
type MemoryTokenStore struct {
	mu     sync.Mutex
	tokens map[string]Token
}

var _ TokenStore = (*MemoryTokenStore)(nil)

// LoadToken implements TokenStore.
func (s *MemoryTokenStore) LoadToken(ctx context.Context, key string) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[key]
	if !ok {
		return Token{}, fmt.Errorf("token %q: %w", key, ErrNotFound)
	}
	t.Extra = maps.Clone(t.Extra)
	return t, nil
}

// SaveToken implements TokenStore.
func (s *MemoryTokenStore) SaveToken(ctx context.Context, key string, t Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]Token{}
	}
	t.Extra = maps.Clone(t.Extra)
	s.tokens[key] = t
	return nil
}

// DeleteToken implements TokenStore.
func (s *MemoryTokenStore) DeleteToken(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, key)
	return nil
}
