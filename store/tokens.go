package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// Keyring holds the AES-256 keys that encrypt tokens at rest. New tokens
// are sealed with the current key; tokens sealed with an older key in the
// ring still open, and RotateTokens re-seals them with the current key.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a keyring. current names the key used for new tokens;
// every key must be 32 bytes.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("store: keyring: current key %q is not in the ring", current)
	}
	k := &Keyring{current: current, aeads: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if id == "" || strings.ContainsAny(id, ":,") {
			return nil, fmt.Errorf("store: keyring: key id %q must be non-empty without ':' or ','", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("store: keyring: key %q is %d bytes, want 32", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("store: keyring: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("store: keyring: key %q: %w", id, err)
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// ParseKeyring reads a keyring from text such as an environment variable:
// comma-separated "id:base64key" pairs, the first being the current key.
func ParseKeyring(spec string) (*Keyring, error) {
	keys := map[string][]byte{}
	current := ""
	for i, part := range strings.Split(spec, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("store: keyring entry %d: want id:base64key", i+1)
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("store: keyring entry %d (%s): %w", i+1, id, err)
		}
		if i == 0 {
			current = id
		}
		keys[id] = key
	}
	return NewKeyring(current, keys)
}

// CurrentKeyID names the key new tokens are sealed with.
func (k *Keyring) CurrentKeyID() string { return k.current }

func tokenAAD(workspace, key string) []byte {
	return []byte("rapport-token\x00" + workspace + "\x00" + key)
}

func (k *Keyring) seal(aad []byte, plaintext []byte) (keyID string, nonce, ct []byte, err error) {
	aead := k.aeads[k.current]
	nonce = make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, nil, err
	}
	return k.current, nonce, aead.Seal(nil, nonce, plaintext, aad), nil
}

func (k *Keyring) open(keyID string, aad, nonce, ct []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("store: token sealed with key %q, which is not in the keyring", keyID)
	}
	pt, err := aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, errors.New("store: token does not decrypt (wrong key or tampered row)")
	}
	return pt, nil
}

// TokenStore is the workspace's providers.TokenStore: tokens are sealed
// with AES-GCM (the workspace and key name bound as additional data) and
// plaintext is never written to the database.
type TokenStore struct{ w *Workspace }

var _ providers.TokenStore = TokenStore{}

// Tokens returns the workspace's encrypted token store.
func (w *Workspace) Tokens() TokenStore { return TokenStore{w} }

// LoadToken implements providers.TokenStore.
func (s TokenStore) LoadToken(ctx context.Context, key string) (providers.Token, error) {
	keys := s.w.db.cfg.keys
	if keys == nil {
		return providers.Token{}, errors.New("store: tokens: no keyring configured (store.WithKeyring)")
	}
	var keyID string
	var nonce, ct []byte
	err := s.w.queryRow(ctx, "SELECT key_id, nonce, ciphertext FROM rapport_tokens WHERE workspace = ? AND name = ?", s.w.id, key).
		Scan(&keyID, &nonce, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return providers.Token{}, fmt.Errorf("store: token %q: %w", key, providers.ErrNotFound)
	}
	if err != nil {
		return providers.Token{}, fmt.Errorf("store: load token %q: %w", key, err)
	}
	pt, err := keys.open(keyID, tokenAAD(s.w.id, key), nonce, ct)
	if err != nil {
		return providers.Token{}, fmt.Errorf("token %q: %w", key, err)
	}
	var t providers.Token
	if err := json.Unmarshal(pt, &t); err != nil {
		return providers.Token{}, fmt.Errorf("store: token %q: %w", key, err)
	}
	return t, nil
}

// SaveToken implements providers.TokenStore.
func (s TokenStore) SaveToken(ctx context.Context, key string, t providers.Token) error {
	keys := s.w.db.cfg.keys
	if keys == nil {
		return errors.New("store: tokens: no keyring configured (store.WithKeyring); refusing to store a token in plaintext")
	}
	pt, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("store: token %q: %w", key, err)
	}
	keyID, nonce, ct, err := keys.seal(tokenAAD(s.w.id, key), pt)
	if err != nil {
		return fmt.Errorf("store: seal token %q: %w", key, err)
	}
	_, err = s.w.exec(ctx, `INSERT INTO rapport_tokens (workspace, name, key_id, nonce, ciphertext, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace, name) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
			ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
		s.w.id, key, keyID, nonce, ct, ts(s.w.db.cfg.now()))
	if err != nil {
		return fmt.Errorf("store: save token %q: %w", key, err)
	}
	return nil
}

// DeleteToken implements providers.TokenStore.
func (s TokenStore) DeleteToken(ctx context.Context, key string) error {
	if _, err := s.w.exec(ctx, "DELETE FROM rapport_tokens WHERE workspace = ? AND name = ?", s.w.id, key); err != nil {
		return fmt.Errorf("store: delete token %q: %w", key, err)
	}
	return nil
}

// RotateTokens re-seals every token of every workspace that is not sealed
// with the keyring's current key, and returns how many it re-sealed. Run it
// after adding a new current key; the old key can leave the ring once it
// returns. It is safe to run while the application is serving.
func (db *DB) RotateTokens(ctx context.Context) (int, error) {
	keys := db.cfg.keys
	if keys == nil {
		return 0, errors.New("store: rotate tokens: no keyring configured")
	}
	type row struct {
		ws, name, keyID string
		nonce, ct       []byte
	}
	rows, err := db.sql.QueryContext(ctx, db.rebind("SELECT workspace, name, key_id, nonce, ciphertext FROM rapport_tokens WHERE key_id <> ?"), keys.current)
	if err != nil {
		return 0, fmt.Errorf("store: rotate tokens: %w", err)
	}
	var stale []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.ws, &r.name, &r.keyID, &r.nonce, &r.ct); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: rotate tokens: %w", err)
		}
		stale = append(stale, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: rotate tokens: %w", err)
	}
	n := 0
	for _, r := range stale {
		aad := tokenAAD(r.ws, r.name)
		pt, err := keys.open(r.keyID, aad, r.nonce, r.ct)
		if err != nil {
			return n, fmt.Errorf("rotate token %q in workspace %q: %w", r.name, r.ws, err)
		}
		keyID, nonce, ct, err := keys.seal(aad, pt)
		if err != nil {
			return n, err
		}
		// Compare-and-set on the old key id: a token saved meanwhile wins.
		c, err := sqlQuerier{db.sql}.exec(ctx, db.rebind(`UPDATE rapport_tokens SET key_id = ?, nonce = ?, ciphertext = ?
			WHERE workspace = ? AND name = ? AND key_id = ? AND nonce = ?`), keyID, nonce, ct, r.ws, r.name, r.keyID, r.nonce)
		if err != nil {
			return n, fmt.Errorf("store: rotate token %q: %w", r.name, err)
		}
		if c == 1 {
			n++
		}
	}
	return n, nil
}
