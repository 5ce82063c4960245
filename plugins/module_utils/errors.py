# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception for refusing what a user gave."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class InputError(ValueError):
    """A decision refused the user's input (an option, a variable, a path); the message says what to do.

    The action base turns it into a failed result with that message. Any other exception is a
    programming error and keeps its traceback.
    """
