# Belgian conventions in every interface language, as in Dutch: dates dd-mm-jjjj,
# numbers 409.417,33.
from config.formats.nl.formats import *  # noqa: F403
