# oca-gen-addon-readme of OCA/maintainer-tools (AGPL-3.0), unchanged: the files of its
# tools/ package that the command needs, at commit d4657f8c17a576d0c56c68064e199545ee75db52.
# The package is not on PyPI and pre-commit here reaches only PyPI and npm: the
# oca-gen-addon-readme hook of .pre-commit-config.yaml runs this copy.
