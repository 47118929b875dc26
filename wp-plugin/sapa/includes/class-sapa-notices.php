<?php
/**
 * One-time admin notices that survive the redirect after a form post.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Keeps notices per user in a short-lived transient: messages may quote Sapa's answer, so they never
 * travel in the redirect URL.
 */
class Sapa_Notices {

	/**
	 * Queues a notice for the current user.
	 *
	 * @param string $type    'success', 'error', 'warning' or 'info'.
	 * @param string $message Plain text (escaped when shown).
	 */
	public static function add( $type, $message ) {
		$notices   = self::peek();
		$notices[] = array(
			'type'    => $type,
			'message' => (string) $message,
		);
		set_transient( self::key(), $notices, 5 * MINUTE_IN_SECONDS );
	}

	/**
	 * Queues every message of a WP_Error as an error notice.
	 *
	 * @param WP_Error $error Error.
	 */
	public static function add_error( WP_Error $error ) {
		foreach ( $error->get_error_messages() as $message ) {
			self::add( 'error', $message );
		}
	}

	/**
	 * The queued notices, without removing them.
	 *
	 * @return array
	 */
	public static function peek() {
		$notices = get_transient( self::key() );
		return is_array( $notices ) ? $notices : array();
	}

	/**
	 * Returns and removes the queued notices.
	 *
	 * @return array
	 */
	public static function take() {
		$notices = self::peek();
		delete_transient( self::key() );
		return $notices;
	}

	/**
	 * Transient name for the current user.
	 *
	 * @return string
	 */
	private static function key() {
		return 'sapa_notices_' . get_current_user_id();
	}
}
