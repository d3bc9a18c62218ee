// Command pulumi-codegen writes a Pulumi package's SDK for one language from its schema, with
// Pulumi's own generators (pkg/v3/codegen). Our stand-in language hosts call it to answer the
// CLI's GeneratePackage: the generators are Go libraries, and the official hosts that wrap them
// are not served by the module proxy here.
//
//	pulumi-codegen -language nodejs|go|python -schema FILE -out DIR
//	               [-loader ADDRESS] [-local] [-extra-files DIR] [-local-dependency NAME=PATH]...
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The name the generators stamp into the files they write, as the official hosts pass it.
const tool = "pulumi"

type dependencies map[string]string

func (d dependencies) String() string { return fmt.Sprint(map[string]string(d)) }

func (d dependencies) Set(value string) error {
	name, path, ok := strings.Cut(value, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=PATH, got %q", value)
	}
	d[name] = path
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-codegen: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	language := flag.String("language", "", "nodejs, go or python")
	schemaPath := flag.String("schema", "", "the package schema (JSON)")
	out := flag.String("out", "", "the directory to write the SDK into")
	loaderAddress := flag.String("loader", "", "the engine's schema loader (gRPC address), for referenced packages")
	local := flag.Bool("local", false, "an SDK for use inside one project, not for publishing")
	extraDir := flag.String("extra-files", "", "a directory of files to add to the SDK as they are")
	localDeps := dependencies{}
	flag.Var(localDeps, "local-dependency", "NAME=PATH: depend on a local artifact, not a published package (repeatable)")
	flag.Parse()
	if *language == "" || *schemaPath == "" || *out == "" {
		flag.Usage()
		return errors.New("-language, -schema and -out are required")
	}

	raw, err := os.ReadFile(*schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: not a package schema: %w", *schemaPath, err)
	}

	var loader schema.ReferenceLoader = noLoader{}
	if *loaderAddress != "" {
		client, err := schema.NewLoaderClient(*loaderAddress)
		if err != nil {
			return err
		}
		defer client.Close()
		loader = client
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("the schema does not bind: %w", diags)
	}

	extraFiles, err := readTree(*extraDir)
	if err != nil {
		return err
	}

	var files map[string][]byte
	switch *language {
	case "nodejs":
		files, err = nodejs.GeneratePackage(tool, pkg, extraFiles, localDeps, *local, loader)
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, localDeps)
		for name, content := range extraFiles {
			files[name] = content
		}
	case "python":
		files, err = python.GeneratePackage(tool, pkg, extraFiles, loader)
	default:
		return fmt.Errorf("no generator for language %q (nodejs, go, python)", *language)
	}
	if err != nil {
		return err
	}
	return writeTree(*out, files)
}

func readTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	if dir == "" {
		return files, nil
	}
	root := os.DirFS(dir)
	err := fs.WalkDir(root, ".", func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		content, err := fs.ReadFile(root, path)
		files[path] = content
		return err
	})
	return files, err
}

func writeTree(dir string, files map[string][]byte) error {
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noLoader stands in when no engine serves schemas: a schema that references another package
// then fails to bind with a message that names the package.
type noLoader struct{}

var errNoLoader = errors.New("no schema loader (pass -loader): cannot resolve a referenced package")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoLoader
}

func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoLoader
}

func (noLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoLoader
}

func (noLoader) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoLoader
}
