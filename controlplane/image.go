package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// runImage builds an OCI image from root filesystem folders (one layer each, in order) and
// pushes it: `image push --layer DIR... --ref HOST/REPO:TAG [--entrypoint ARG...] [--env K=V...]`.
// Files get a fixed owner and time, so the same folders always give the same digest and a
// second push uploads nothing.
func runImage() {
	if len(os.Args) < 2 || os.Args[1] != "push" {
		fmt.Fprintln(os.Stderr, "usage: image push --layer DIR [--layer DIR...] --ref REF [--entrypoint ARG...] [--cmd ARG...] [--env K=V...] [--user UID] [--workdir DIR] [--insecure]")
		os.Exit(2)
	}
	fset := flag.NewFlagSet("image push", flag.ExitOnError)
	var layers, entrypoint, cmd, env stringList
	fset.Var(&layers, "layer", "a root filesystem folder, one layer")
	fset.Var(&entrypoint, "entrypoint", "one argument of the entrypoint")
	fset.Var(&cmd, "cmd", "one argument of the default command")
	fset.Var(&env, "env", "K=V")
	ref := fset.String("ref", "", "where to push")
	user := fset.String("user", "", "user to run as")
	workdir := fset.String("workdir", "", "working directory")
	insecure := fset.Bool("insecure", false, "plain HTTP registry")
	_ = fset.Parse(os.Args[2:])
	if *ref == "" || len(layers) == 0 {
		fmt.Fprintln(os.Stderr, "image push: --ref and at least one --layer are required")
		os.Exit(2)
	}
	digest, err := pushImage(layers, *ref, *insecure, v1.Config{Entrypoint: entrypoint, Cmd: cmd, Env: env, User: *user, WorkingDir: *workdir})
	if err != nil {
		fmt.Fprintf(os.Stderr, "image push %s: %v\n", *ref, err)
		os.Exit(1)
	}
	fmt.Println(digest)
}

func pushImage(dirs []string, ref string, insecure bool, config v1.Config) (string, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	tag, err := name.ParseReference(ref, opts...)
	if err != nil {
		return "", err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, dir := range dirs {
		data, err := tarFolder(dir)
		if err != nil {
			return "", fmt.Errorf("layer %s: %w", dir, err)
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.OCILayer))
		if err != nil {
			return "", err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return "", err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config = config
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return "", err
	}
	if err := remote.Write(tag, img); err != nil {
		return "", err
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	return digest.String(), nil
}

// tarFolder writes DIR as a layer: paths relative to it, root-owned, one fixed time,
// symlinks kept as links, walked in lexical order.
func tarFolder(dir string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = epoch, time.Time{}, time.Time{}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(tw, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
