"""A download's error said for a person (`newsscraper.error_messages`)."""

from scrapy.exceptions import DownloadFailedError
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost, ConnectionRefusedError, TimeoutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from newsscraper.error_messages import error_message

LOST = "Connection to the other side was lost in a non-clean fashion."


def test_a_connection_lost_before_the_response_is_said_in_its_own_words():
    error = ResponseNeverReceived([Failure(ConnectionLost())])
    assert error_message(error) == LOST
    assert "Failure" not in error_message(error)


def test_each_reason_of_a_failed_response_is_said_once_in_order():
    error = ResponseFailed(
        [Failure(ConnectionLost()), Failure(TimeoutError()), Failure(ConnectionLost())]
    )
    assert error_message(error) == f"{LOST}; User timeout caused connection failure."


def test_an_error_wrapping_no_reason_or_no_words_is_named_by_its_type():
    assert error_message(ResponseNeverReceived([])) == "ResponseNeverReceived"
    assert error_message(HttpError(None, "")) == "HttpError"


def test_any_other_error_says_its_own_message():
    refused = ConnectionRefusedError("Connection refused")
    assert error_message(refused) == "Connection was refused by other side: Connection refused."


def test_scrapy_s_error_raised_from_twisted_s_with_its_words_says_the_reasons():
    wrapped = ResponseNeverReceived([Failure(ConnectionLost())])
    try:
        try:
            raise wrapped
        except ResponseNeverReceived as error:
            raise DownloadFailedError(str(error)) from error
    except DownloadFailedError as error:
        assert error_message(error) == LOST


def test_an_error_with_words_of_its_own_says_them_not_its_cause_s():
    error = RuntimeError("robots.txt could not be fetched")
    error.__cause__ = ResponseNeverReceived([Failure(ConnectionLost())])
    assert error_message(error) == "robots.txt could not be fetched"
