package main

import "k8s.io/component-base/version"

func versionLine() string {
	v := version.Get()
	return v.GitVersion
}
