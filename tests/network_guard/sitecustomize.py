# Runs at start-up of every Python process the test suite starts (see course_network_guard.py).
import course_network_guard

course_network_guard.install()
