// Package deploy holds deployment artifacts; its tests check they parse.
package deploy
