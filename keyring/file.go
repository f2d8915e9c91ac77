package keyring

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/keyring/internal/keyctl"
	"github.com/keyward/keyward/model"
)

// The file backend keeps values encrypted with age (filippo.io/age) in a
// folder beside the index, as age's documentation advises for a store of
// many small secrets: one X25519 identity per store, wrapped with a
// passphrase (scrypt), and every value encrypted to its public key. So
// writes (create, rotate, import) need no passphrase; reading a value
// unlocks the identity, once per process.
//
// The folder (0700) holds:
//
//	store         "keyward file store 1", the recipient and the key of the
//	              file names; nothing secret
//	identity.age  the identity, encrypted with the passphrase
//	HASH.age      one value each, named by an HMAC of its keyring user
//	              (never the name itself), 0600
//
// Each value file also holds its user, checked on read: a file copied over
// another name's is refused, like a truncated or altered one.

// Errors of the file backend. Match them with errors.Is.
var (
	ErrNotInitialized  = errors.New("the file backend is not set up")
	ErrWrongPassphrase = errors.New("wrong passphrase")
	ErrNoPassphrase    = errors.New("no passphrase given")
	ErrDamaged         = errors.New("value file is damaged or was tampered with")
)

// fileStoreVersion opens the store file.
const fileStoreVersion = "keyward file store 1"

// scryptWorkFactor is the log2 of scrypt's cost for the passphrase: age's
// own default (about a second, 256 MiB). Tests lower it.
var scryptWorkFactor = 18

// MinWorkFactor and MaxWorkFactor bound the scrypt work factor a new file
// store may be given (InitFile). Unlocking accepts what age accepts (up
// to 22), so every store keyward makes can be opened again.
const (
	MinWorkFactor = 10
	MaxWorkFactor = 22
)

// ValuesDir returns the folder of the file backend's values for an index
// file: beside it, named after it.
func ValuesDir(indexPath string) string {
	base := strings.TrimSuffix(filepath.Base(indexPath), filepath.Ext(indexPath))
	return filepath.Join(filepath.Dir(indexPath), base+".values")
}

// FileInitialized reports whether the file backend of indexPath is set up.
func FileInitialized(indexPath string) bool {
	_, err := os.Stat(filepath.Join(ValuesDir(indexPath), "store"))
	return err == nil
}

// InitFile sets up the file backend for indexPath: a new identity, wrapped
// with passphrase at scrypt's workFactor (0 for the default, 18; otherwise
// MinWorkFactor to MaxWorkFactor). It refuses to replace one that exists:
// that would make every stored value unreadable.
func InitFile(indexPath, passphrase string, workFactor int) error {
	if passphrase == "" {
		return ErrNoPassphrase
	}
	if workFactor == 0 {
		workFactor = scryptWorkFactor
	}
	if workFactor < MinWorkFactor || workFactor > MaxWorkFactor {
		return fmt.Errorf("scrypt work factor %d: must be %d to %d", workFactor, MinWorkFactor, MaxWorkFactor)
	}
	dir := ValuesDir(indexPath)
	if FileInitialized(indexPath) {
		return fmt.Errorf("%s already holds a file store; keyward never replaces its identity", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	sr, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return err
	}
	sr.SetWorkFactor(workFactor)
	var wrapped bytes.Buffer
	w, err := age.Encrypt(&wrapped, sr)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, id.String()+"\n"); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return err
	}
	// The identity first: a store file without it would be a store no
	// passphrase opens.
	if err := atomicfile.WriteFile(filepath.Join(dir, "identity.age"), wrapped.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write the identity: %w", err)
	}
	meta := fmt.Sprintf("%s\nrecipient %s\nnames %s\n", fileStoreVersion, id.Recipient(), hex.EncodeToString(key[:]))
	if err := atomicfile.WriteFile(filepath.Join(dir, "store"), []byte(meta), 0o600); err != nil {
		return fmt.Errorf("write the store file: %w", err)
	}
	return nil
}

// FileOptions configures a FileStore.
type FileOptions struct {
	// IndexPath is the index file; default DefaultIndexPath(). Values live
	// in ValuesDir(IndexPath).
	IndexPath string
	// Passphrase is asked, at most once per process, the first time a value
	// is read. Nil: reading fails with ErrNoPassphrase.
	Passphrase func() (string, error)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// UnlockCache is how long the unlocked identity stays in the kernel
	// session keyring (Linux), so that the next commands of the session
	// need no passphrase; 0 keeps it in this process only. See Lock.
	UnlockCache time.Duration
	// LockWait is how long a write waits for another process's lock on
	// the index before it fails with ErrIndexBusy; default
	// DefaultLockWait.
	LockWait time.Duration
}

// FileStore is the Store over the encrypted file backend and the index
// file. It is safe for concurrent use, and several processes may share it.
type FileStore struct {
	store
	indexPath string
	fv        *fileValues
}

// NewFileStore returns the file-backed store for opts. It touches nothing
// until used.
func NewFileStore(opts FileOptions) (*FileStore, error) {
	if opts.IndexPath == "" {
		p, err := DefaultIndexPath()
		if err != nil {
			return nil, err
		}
		opts.IndexPath = p
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	fv := &fileValues{dir: ValuesDir(opts.IndexPath), passphrase: opts.Passphrase, cacheFor: opts.UnlockCache}
	return &FileStore{
		store: store{vals: fv, idx: &fileIndex{path: opts.IndexPath, lockWait: opts.LockWait}, now: opts.Now, jr: journalFor(opts.IndexPath),
			bk: &backendGuard{index: opts.IndexPath, kind: "file"}},
		indexPath: opts.IndexPath,
		fv:        fv,
	}, nil
}

// IndexPath returns the index file's path, for messages.
func (s *FileStore) IndexPath() string { return s.indexPath }

// Backend names where the values live, for the terminal UI's header.
func (s *FileStore) Backend() string { return "file" }

// ValuesDir returns the folder of the encrypted values.
func (s *FileStore) ValuesDir() string { return s.fv.dir }

// Unlock unwraps the identity now (from the session's unlock cache, else
// asking for the passphrase), so that a caller can time it or fail early.
// Later reads reuse it.
func (s *FileStore) Unlock() error {
	_, err := s.fv.identity()
	return err
}

// fileValues is the values backend over the folder of age files.
type fileValues struct {
	dir        string
	passphrase func() (string, error)
	cacheFor   time.Duration // the unlock cache's timeout; 0: none

	mu        sync.Mutex
	recipient *age.X25519Recipient
	nameKey   []byte
	id        *age.X25519Identity
	idErr     error // a failed unlock is not asked again in this process
	reads     int
}

// The files of the store are read only when regular and no larger than
// what keyward writes there (a FIFO or /dev/zero planted in their place is
// refused, never waited on): a value file holds one age-encrypted value of
// at most model.MaxValueLen bytes; the store's key files are tiny.
const (
	maxValueFile = 2*model.MaxValueLen + 64<<10
	maxSmallFile = 64 << 10
)

func (v *fileValues) meta() (*age.X25519Recipient, []byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.recipient != nil {
		return v.recipient, v.nameKey, nil
	}
	data, err := bounded.ReadFile(filepath.Join(v.dir, "store"), maxSmallFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w (no %s)", ErrNotInitialized, filepath.Join(v.dir, "store"))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the file store: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	bad := fmt.Errorf("%s: not a keyward file store", filepath.Join(v.dir, "store"))
	if len(lines) != 3 || lines[0] != fileStoreVersion {
		return nil, nil, bad
	}
	rs, ok1 := strings.CutPrefix(lines[1], "recipient ")
	ks, ok2 := strings.CutPrefix(lines[2], "names ")
	r, err := age.ParseX25519Recipient(rs)
	key, kerr := hex.DecodeString(ks)
	if !ok1 || !ok2 || err != nil || kerr != nil || len(key) != 32 {
		return nil, nil, bad
	}
	v.recipient, v.nameKey = r, key
	return r, key, nil
}

// identity returns the unlocked identity, once per process: from the
// session's unlock cache when it holds this store's, else unwrapped with
// the passphrase (and then cached for the session).
func (v *fileValues) identity() (*age.X25519Identity, error) {
	r, _, err := v.meta()
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.id != nil || v.idErr != nil {
		return v.id, v.idErr
	}
	desc := ""
	if v.cacheFor > 0 {
		desc = cacheDescription(v.dir, r)
		if id, _ := cachedIdentity(desc, r); id != nil {
			v.id = id
			return id, nil
		}
	}
	v.id, v.idErr = v.unwrap()
	if v.idErr == nil && v.id.Recipient().String() != r.String() {
		v.id, v.idErr = nil, fmt.Errorf("unlock the file store: %w (identity.age does not belong to this store)", ErrDamaged)
	}
	if v.idErr == nil && desc != "" {
		// Best effort: without a session keyring the next command asks
		// again, as it always did.
		_ = keyctl.Put(desc, []byte(v.id.String()), v.cacheFor)
	}
	return v.id, v.idErr
}

func (v *fileValues) unwrap() (*age.X25519Identity, error) {
	wrapped, err := bounded.ReadFile(filepath.Join(v.dir, "identity.age"), maxSmallFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (no %s)", ErrNotInitialized, filepath.Join(v.dir, "identity.age"))
	}
	if err != nil {
		return nil, fmt.Errorf("read the identity: %w", err)
	}
	if v.passphrase == nil {
		return nil, ErrNoPassphrase
	}
	pass, err := v.passphrase()
	if err != nil {
		return nil, err
	}
	if pass == "" {
		return nil, ErrNoPassphrase
	}
	si, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(wrapped), si)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		return nil, fmt.Errorf("unlock the file store: %w", err)
	}
	text, err := io.ReadAll(io.LimitReader(r, 1<<10))
	if err != nil {
		return nil, fmt.Errorf("unlock the file store: %w", err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(text)))
	if err != nil {
		return nil, fmt.Errorf("unlock the file store: the identity does not parse")
	}
	return id, nil
}

// path is the value file of a keyring user: an HMAC of it, so that the
// folder does not list the names.
func (v *fileValues) path(user string) (string, error) {
	_, key, err := v.meta()
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(user))
	return filepath.Join(v.dir, hex.EncodeToString(m.Sum(nil)[:16])+".age"), nil
}

// valueHeader opens every plaintext, binding the value to its secret's
// name: it may move between the name's own users (current, previous,
// rollback copy), and nowhere else.
func valueHeader(user string) string {
	name, _, _ := strings.Cut(user, "@")
	return "keyward value 1 " + name + "\n"
}

func (v *fileValues) Get(ctx context.Context, user string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	p, err := v.path(user)
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	v.reads++
	v.mu.Unlock()
	data, err := bounded.ReadFile(p, maxValueFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s", ErrNoValue, model.Printable(user))
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", model.Printable(user), err)
	}
	plain, err := v.open(data)
	if errors.Is(err, ErrDamaged) {
		// The error names the secret, and not age's details, which say
		// nothing a user can act on.
		return "", fmt.Errorf("read %s: %w", model.Printable(user), ErrDamaged)
	}
	if err != nil {
		return "", err
	}
	value, ok := strings.CutPrefix(plain, valueHeader(user))
	if !ok {
		return "", fmt.Errorf("read %s: %w (it belongs to another name)", model.Printable(user), ErrDamaged)
	}
	return value, nil
}

// open decrypts a value file's bytes (unlocking the identity once per
// process): its plaintext, header included. Authenticated decryption: a
// damaged file fails with ErrDamaged, never as garbage.
func (v *fileValues) open(data []byte) (string, error) {
	id, err := v.identity()
	if err != nil {
		return "", err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	var plain []byte
	if err == nil {
		plain, err = io.ReadAll(r)
	}
	if err != nil {
		return "", ErrDamaged
	}
	return string(plain), nil
}

// Has reports whether user's value file exists, without the passphrase.
func (v *fileValues) Has(_ context.Context, user string) (bool, error) {
	p, err := v.path(user)
	if err != nil {
		return false, err
	}
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", model.Printable(user), err)
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("read %s: %w", model.Printable(user), bounded.ErrNotRegular)
	}
	return true, nil
}

func (v *fileValues) Set(ctx context.Context, user, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sealed, err := v.Seal(user, value)
	if err != nil {
		return err
	}
	p, err := v.path(user)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(p, []byte(sealed), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", model.Printable(user), err)
	}
	return nil
}

// Seal returns the value file Set would write for user, without writing
// it: a migration writes it with SetSealed and compares what it reads back.
func (v *fileValues) Seal(user, value string) (string, error) {
	r, _, err := v.meta()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return "", fmt.Errorf("encrypt %s: %w", model.Printable(user), err)
	}
	if _, err := io.WriteString(w, valueHeader(user)+value); err != nil {
		return "", fmt.Errorf("encrypt %s: %w", model.Printable(user), err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("encrypt %s: %w", model.Printable(user), err)
	}
	return buf.String(), nil
}

func (v *fileValues) Delete(ctx context.Context, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := v.path(user)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", model.Printable(user), err)
	}
	// The removal must reach the disk before the caller goes on (a
	// rename drops the old name's file after the index moved on).
	if d, err := os.Open(v.dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// GetSealed returns user's value file as it is, without the passphrase.
func (v *fileValues) GetSealed(ctx context.Context, user string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	p, err := v.path(user)
	if err != nil {
		return "", err
	}
	data, err := bounded.ReadFile(p, maxValueFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s", ErrNoValue, model.Printable(user))
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", model.Printable(user), err)
	}
	return string(data), nil
}

// SetSealed writes a value file GetSealed returned as user's.
func (v *fileValues) SetSealed(ctx context.Context, user, sealed string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := v.path(user)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(p, []byte(sealed), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", model.Printable(user), err)
	}
	return nil
}

// Ping checks the store is set up and readable; it needs no passphrase.
func (v *fileValues) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, _, err := v.meta()
	return err
}
