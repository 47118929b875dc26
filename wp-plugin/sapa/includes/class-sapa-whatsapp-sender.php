<?php
/**
 * The shop's WhatsApp sender choice: a number Sapa provisions, or the owner's own Twilio sender.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Turns the sender fields of a form into the contract's "whatsapp" object.
 */
class Sapa_WhatsApp_Sender {

	/**
	 * Sanitizes and validates the sender fields.
	 *
	 * The Twilio auth token is passed straight on to Sapa and never stored in WordPress.
	 *
	 * @param array $input Unslashed fields: whatsapp_mode, whatsapp_number, twilio_account_sid, twilio_auth_token.
	 * @return array|WP_Error {"mode": "provision"} or {"mode": "own", "number", "twilio_account_sid", "twilio_auth_token"}.
	 */
	public static function from_input( array $input ) {
		$mode = isset( $input['whatsapp_mode'] ) ? sanitize_key( $input['whatsapp_mode'] ) : '';
		if ( 'provision' === $mode ) {
			return array( 'mode' => 'provision' );
		}
		if ( 'own' !== $mode ) {
			return new WP_Error( 'whatsapp_mode', __( 'Choose how the shop sends WhatsApp messages: a number from Sapa, or your own Twilio sender.', 'sapa' ) );
		}

		$errors = new WP_Error();
		$number = self::normalise_number( isset( $input['whatsapp_number'] ) ? (string) $input['whatsapp_number'] : '' );
		if ( null === $number ) {
			$errors->add( 'whatsapp_number', __( 'Enter the WhatsApp number in international format, e.g. +62 811 0000 0001.', 'sapa' ) );
		}
		$sid = isset( $input['twilio_account_sid'] ) ? trim( sanitize_text_field( (string) $input['twilio_account_sid'] ) ) : '';
		if ( ! preg_match( '/^AC[0-9a-fA-F]{32}$/', $sid ) ) {
			$errors->add( 'twilio_account_sid', __( 'The Twilio Account SID starts with AC followed by 32 letters and digits.', 'sapa' ) );
		}
		// Not sanitize_text_field: a secret must reach Twilio byte for byte; only surrounding blanks go.
		$token = isset( $input['twilio_auth_token'] ) ? trim( (string) $input['twilio_auth_token'] ) : '';
		if ( ! preg_match( '/^[\x21-\x7E]{16,128}$/', $token ) ) {
			$errors->add( 'twilio_auth_token', __( 'Enter the Twilio Auth Token (it is sent to Sapa and not kept in WordPress).', 'sapa' ) );
		}
		if ( $errors->has_errors() ) {
			return $errors;
		}
		return array(
			'mode'               => 'own',
			'number'             => $number,
			'twilio_account_sid' => $sid,
			'twilio_auth_token'  => $token,
		);
	}

	/**
	 * "+62 811-0000-0001" → "+6281100000001"; null unless it is "+" and 8 to 15 digits (E.164).
	 *
	 * @param string $raw Typed number.
	 * @return string|null
	 */
	public static function normalise_number( $raw ) {
		$compact = preg_replace( '/[\s().\-]/', '', $raw );
		if ( ! is_string( $compact ) || ! preg_match( '/^\+[1-9][0-9]{7,14}$/', $compact ) ) {
			return null;
		}
		return $compact;
	}
}
