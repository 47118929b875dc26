<?php
/**
 * A tracking number (resi) in a note the shop writes to the customer.
 *
 * Many shops send the courier's tracking number as an order note "to customer" ("Pesanan sudah dikirim
 * via JNE, no resi: CGK1234567890") instead of through a shipment-tracking plugin. WooCommerce saves notes
 * as comments: no webhook is sent and the order's date_modified does not move, so Sapa never sees them.
 * The plugin reads the number out of such a note and puts it on the order as meta; Sapa reads that meta
 * like WooCommerce Shipment Tracking's (the "shipped" order update). Plain PHP, no WooCommerce calls.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * Finds the tracking number in a note.
 */
class Sapa_Tracking_Note {

	/**
	 * The order meta Sapa reads (protected: hidden from the order screen's custom fields box, still in
	 * the REST API's meta_data).
	 */
	const META = '_sapa_tracking_number';

	/**
	 * Words that announce a tracking number, Indonesian and English ("no. resi", "nomor resi", "AWB",
	 * "airway bill", "tracking number", "tracking #").
	 */
	const KEYWORDS = '/(?<![\p{L}\p{N}])(?:resi|awb|airway\s*bill|tracking(?:\s*(?:number|no\.?|code|id|#))?)(?![\p{L}\p{N}])/iu';

	/**
	 * A candidate: letters, digits and hyphens, 8 to 40 of them.
	 */
	const TOKEN = '/(?<![\p{L}\p{N}\-])[A-Za-z0-9][A-Za-z0-9\-]{7,39}(?![\p{L}\p{N}\-])/u';

	/**
	 * How far after the keyword the number may start (room for "JNE REG:", "untuk pesanan Anda:").
	 */
	const WINDOW = 40;

	/**
	 * The tracking number a note announces, upper-cased, or null.
	 *
	 * The first candidate starting within WINDOW characters after a keyword that has at least six digits
	 * and is not a phone number (08…, 628…) or a date (2026-12-03). Money ("Rp 250.000"), short order
	 * numbers and courier names are no candidates.
	 *
	 * @param string $note The note's text (HTML allowed).
	 * @return string|null
	 */
	public static function tracking_number( $note ) {
		$text = html_entity_decode( wp_strip_all_tags( (string) $note ), ENT_QUOTES, 'UTF-8' );
		if ( ! preg_match_all( self::KEYWORDS, $text, $keywords, PREG_OFFSET_CAPTURE ) ) {
			return null;
		}
		foreach ( $keywords[0] as $keyword ) {
			$after = substr( $text, $keyword[1] + strlen( $keyword[0] ) );
			if ( ! preg_match_all( self::TOKEN, $after, $tokens, PREG_OFFSET_CAPTURE ) ) {
				continue;
			}
			foreach ( $tokens[0] as $token ) {
				if ( $token[1] > self::WINDOW ) {
					break;
				}
				if ( self::looks_like_tracking( $token[0] ) ) {
					return strtoupper( $token[0] );
				}
			}
		}
		return null;
	}

	/**
	 * Whether a candidate has the digits of a tracking number and is not a phone number or a date.
	 *
	 * @param string $token Candidate.
	 * @return bool
	 */
	private static function looks_like_tracking( $token ) {
		if ( preg_match_all( '/\d/', $token ) < 6 ) {
			return false;
		}
		if ( preg_match( '/^(?:0|62)8\d{7,11}$/', $token ) ) {
			return false;
		}
		return ! preg_match( '/^\d{1,4}-\d{1,2}-\d{1,4}$/', $token );
	}
}
