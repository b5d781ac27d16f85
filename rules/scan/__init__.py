"""SCAN: findings about the scan itself (unparseable input, suppressions that do not hold up).

These rules have no check over facts: the engine raises them while reading files and applying
suppressions. They are declared here so that they are documented, selectable and reported like
every other rule; having no check, they name the kinds they apply to (``kinds=``) and read no
facts.
"""
