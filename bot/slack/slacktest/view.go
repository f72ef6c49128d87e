package slacktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// maxModalStack is how many views a modal may stack: the one views.open
// opened and two pushed on it ("the app is limited to pushing 2 additional
// views"); one more answers push_limit_reached.
const maxModalStack = 3

// View is a modal or Home tab as Slack shows it now, after every
// views.update, push and answer to a view_submission.
type View struct {
	ID   string
	Type string // "modal" or "home"
	User string // the only person who sees it
	// Title is the modal's title text ("" for a Home tab).
	Title           string
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Hash            string
	RootViewID      string
	PreviousViewID  string          // "" at the bottom of a modal's stack
	Blocks          json.RawMessage // the Block Kit array, block_ids filled in as Slack fills them
	Inputs          []Input         // the input blocks and what each holds now
	// Errors are the messages under input blocks, by block_id, that the
	// bot's last response_action "errors" put there; nil when none.
	Errors map[string]string
	// Open says the person still sees it: a modal not yet closed, or a Home
	// tab (always open once published).
	Open bool
	// JSON is the view object as the views.* methods return it, state and
	// hash included.
	JSON json.RawMessage
}

// Buttons returns every button of the view, in order, as Message.Buttons
// does for a message.
func (v View) Buttons() []Button { return Message{Blocks: v.Blocks}.Buttons() }

// Button returns the view's button with that action_id.
func (v View) Button(actionID string) (Button, bool) {
	return Message{Blocks: v.Blocks}.Button(actionID)
}

// Input returns the view's input block with that block_id.
func (v View) Input(blockID string) (Input, bool) {
	for _, in := range v.Inputs {
		if in.BlockID == blockID {
			return in, true
		}
	}
	return Input{}, false
}

// view is a modal or Home tab as the fake keeps it.
type view struct {
	id       string
	user     string
	obj      map[string]any            // the view object as sent, block ids filled in
	state    map[string]map[string]any // block_id → action_id → value object
	errors   map[string]string
	hash     string
	open     bool
	root     string
	previous string
}

// viewStore holds every view and the modal stacks people see.
type viewStore struct {
	byID     map[string]*view
	stacks   map[string][]string // user → their open modal's views, bottom first
	homes    map[string]string   // user → their Home tab's view id
	external map[string]string   // external_id → view id
	homeOff  bool                // the app's Home tab is not enabled
}

func newViewStore() viewStore {
	return viewStore{
		byID: map[string]*view{}, stacks: map[string][]string{},
		homes: map[string]string{}, external: map[string]string{},
	}
}

// EnableHomeTab says whether the app has its Home tab turned on (it has by
// default). With it off, views.publish answers not_enabled, as Slack does
// for an app whose manifest leaves out app_home.home_tab_enabled.
func (s *Server) EnableHomeTab(enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.views.homeOff = !enabled
}

// View returns the view with that id as Slack shows it now.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views.byID[id]
	if !ok {
		return View{}, false
	}
	return s.exportView(v), true
}

// OpenModal returns the view userID sees on top of their open modal, and
// false when they have none open.
func (s *Server) OpenModal(userID string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.topView(userID)
	if v == nil {
		return View{}, false
	}
	return s.exportView(v), true
}

// Home returns the Home tab the bot last published for userID, and false
// when it never published one.
func (s *Server) Home(userID string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views.byID[s.views.homes[userID]]
	if !ok {
		return View{}, false
	}
	return s.exportView(v), true
}

// topView returns the view on top of userID's open modal, nil when none;
// s.mu held.
func (s *Server) topView(userID string) *view {
	stack := s.views.stacks[userID]
	if len(stack) == 0 {
		return nil
	}
	return s.views.byID[stack[len(stack)-1]]
}

// exportView copies v for a test; s.mu held.
func (s *Server) exportView(v *view) View {
	blocks, _ := json.Marshal(v.obj["blocks"])
	obj, _ := json.Marshal(s.viewObject(v))
	return View{
		ID: v.id, Type: str(v.obj, "type"), User: v.user, Title: textOf(v.obj["title"]),
		CallbackID: str(v.obj, "callback_id"), PrivateMetadata: str(v.obj, "private_metadata"),
		ExternalID: str(v.obj, "external_id"), Hash: v.hash, RootViewID: v.root, PreviousViewID: v.previous,
		Blocks: blocks, Inputs: inputsOf(v), Errors: maps.Clone(v.errors), Open: v.open, JSON: obj,
	}
}

// viewObject is v as the views.* methods and interaction payloads carry
// it; s.mu held.
func (s *Server) viewObject(v *view) map[string]any {
	obj := map[string]any{
		"type": "modal", "title": nil, "close": nil, "submit": nil, "blocks": []any{},
		"private_metadata": "", "callback_id": "", "external_id": "",
		"clear_on_close": false, "notify_on_close": false,
	}
	maps.Copy(obj, v.obj)
	values := map[string]any{}
	for block, actions := range v.state {
		values[block] = maps.Clone(actions)
	}
	var previous any
	if v.previous != "" {
		previous = v.previous
	}
	obj["id"], obj["team_id"], obj["app_id"], obj["bot_id"] = v.id, TeamID, AppID, BotID
	obj["app_installed_team_id"] = TeamID
	obj["state"] = map[string]any{"values": values}
	obj["hash"], obj["root_view_id"], obj["previous_view_id"] = v.hash, v.root, previous
	return obj
}

// newHash returns a fresh view hash like Slack's "156772938.1827394"; s.mu
// held.
func (s *Server) newHash() string {
	return fmt.Sprintf("%d.%s", s.now().Unix(), randomHex(4))
}

// addView stores a new view of user built from obj; s.mu held.
func (s *Server) addView(user string, obj map[string]any) *view {
	v := &view{id: s.newID("V"), user: user, obj: obj, state: map[string]map[string]any{}, hash: s.newHash(), open: true}
	v.root = v.id
	s.views.byID[v.id] = v
	if ext := str(obj, "external_id"); ext != "" {
		s.views.external[ext] = v.id
	}
	return v
}

// replaceView gives v the content obj, keeping what the person entered in
// inputs that keep their block_id and action_id, as views.update does;
// s.mu held.
func (s *Server) replaceView(v *view, obj map[string]any) {
	if old := str(v.obj, "external_id"); old != "" {
		delete(s.views.external, old)
	}
	kept := map[string]map[string]any{}
	for _, in := range inputBlocks(obj) {
		if val, ok := v.state[in.blockID][in.actionID]; ok {
			kept[in.blockID] = map[string]any{in.actionID: val}
		}
	}
	v.obj, v.state, v.errors, v.hash = obj, kept, nil, s.newHash()
	if ext := str(obj, "external_id"); ext != "" {
		s.views.external[ext] = v.id
	}
}

// pushOnStack puts a new view from obj on top of user's open modal; s.mu
// held. It answers push_limit_reached when the stack is full.
func (s *Server) pushOnStack(user string, obj map[string]any) (*view, *apiError) {
	stack := s.views.stacks[user]
	if len(stack) == 0 {
		return nil, invalidArguments("[ERROR] the trigger_id was not handed out inside an open modal [json-pointer:/trigger_id]")
	}
	if len(stack) >= maxModalStack {
		return nil, errCode("push_limit_reached")
	}
	v := s.addView(user, obj)
	v.root, v.previous = stack[0], stack[len(stack)-1]
	s.views.stacks[user] = append(stack, v.id)
	return v, nil
}

// openStack shows a new modal to user, closing any they had open; s.mu
// held.
func (s *Server) openStack(user string, obj map[string]any) *view {
	s.clearStack(user)
	v := s.addView(user, obj)
	s.views.stacks[user] = []string{v.id}
	return v
}

// closeTop closes the view on top of user's modal, showing the one under
// it again; s.mu held.
func (s *Server) closeTop(user string) {
	stack := s.views.stacks[user]
	if len(stack) == 0 {
		return
	}
	s.views.byID[stack[len(stack)-1]].open = false
	s.views.stacks[user] = slices.Clone(stack[:len(stack)-1])
}

// clearStack closes every view of user's modal; s.mu held.
func (s *Server) clearStack(user string) {
	for len(s.views.stacks[user]) > 0 {
		s.closeTop(user)
	}
	delete(s.views.stacks, user)
}

// viewByIDOrExternal finds the view views.update names; s.mu held.
func (s *Server) viewByIDOrExternal(id, external string) (*view, bool) {
	if id == "" {
		id = s.views.external[external]
	}
	v, ok := s.views.byID[id]
	return v, ok
}
