"""Where `pop` is published: the one place a fork, or a company releasing its own build, changes.

The schema carries these, so every generated SDK and Pulumi YAML fetch the plugin from the
release host by themselves (`pluginDownloadURL`), and the SDKs take Pulumi's naming conventions.
A mirror of the release folder needs no change here: Pulumi's own
`PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES` points this URL at it
(docs/installation-configuration.md).
"""

from __future__ import annotations

# The GitHub repository whose releases hold the plugin tarballs (`make release` refuses to
# build on a release runner of another repository: its SDKs would fetch plugins from here).
GITHUB_REPOSITORY = "pop-provider/pop-provider"
PLUGIN_DOWNLOAD_URL = f"github://api.github.com/{GITHUB_REPOSITORY}"
REPOSITORY_URL = f"https://github.com/{GITHUB_REPOSITORY}"

# The Go SDK is the module under sdk/ of that repository, tagged sdk/v<version> by the release.
GO_MODULE = f"github.com/{GITHUB_REPOSITORY}/sdk"
GO_IMPORT_BASE_PATH = f"{GO_MODULE}/go/pop"
NPM_PACKAGE = "@pop-provider/pop"
PYTHON_PACKAGE = "pulumi_pop"  # on PyPI: pulumi-pop
