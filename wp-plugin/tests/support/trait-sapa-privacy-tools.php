<?php
/**
 * Runs WordPress's privacy tools (Tools → Export / Erase Personal Data) as their screens do: a data request,
 * then WordPress's own AJAX handler for one exporter or eraser.
 *
 * @package Sapa
 */

require_once ABSPATH . 'wp-admin/includes/ajax-actions.php';

/**
 * For Sapa_Test_Case tests.
 */
trait Sapa_Privacy_Tools {

	/**
	 * A data request for an e-mail, as Tools → Export / Erase Personal Data creates it.
	 *
	 * @param string $email E-mail address.
	 * @param string $kind  'export' or 'erase'.
	 * @return int The request's id.
	 */
	private function user_request( $email, $kind ) {
		$request = wp_create_user_request( $email, 'export' === $kind ? 'export_personal_data' : 'remove_personal_data' );
		$this->assertIsInt( $request );
		return $request;
	}

	/**
	 * The 1-based index the Tools screen sends for a registered exporter or eraser, and how many there are.
	 *
	 * @param string $kind 'export' or 'erase'.
	 * @return array [index, count]
	 */
	private function tool_index( $kind ) {
		$filter = 'export' === $kind ? 'wp_privacy_personal_data_exporters' : 'wp_privacy_personal_data_erasers';
		$keys   = array_keys( apply_filters( $filter, array() ) );
		$index  = array_search( Sapa_Privacy::KEY, $keys, true );
		$this->assertNotFalse( $index, "Sapa is registered with $filter" );
		return array( $index + 1, count( $keys ) );
	}

	/**
	 * Runs one of WordPress's privacy AJAX handlers as the Tools screen's request would.
	 *
	 * @param string $kind    'export' or 'erase'.
	 * @param int    $request The request's id.
	 * @param int    $index   The exporter's or eraser's 1-based index.
	 * @return array The JSON WordPress answered.
	 */
	private function run_tool( $kind, $request, $index ) {
		$_POST = array(
			'id'          => $request,
			'security'    => wp_create_nonce( 'wp-privacy-' . $kind . '-personal-data-' . $request ),
			'page'        => 1,
			'sendAsEmail' => 'false',
		);
		$_POST[ 'export' === $kind ? 'exporter' : 'eraser' ] = $index;
		$_REQUEST = $_POST;
		add_filter( 'wp_doing_ajax', '__return_true' );
		add_filter(
			'wp_die_ajax_handler',
			function () {
				return function ( $message ) {
					throw new Sapa_Test_Die( is_string( $message ) ? $message : 'wp_die', 200 );
				};
			}
		);
		$output = $this->capture(
			function () use ( $kind ) {
				try {
					'export' === $kind ? wp_ajax_wp_privacy_export_personal_data() : wp_ajax_wp_privacy_erase_personal_data();
				} catch ( Sapa_Test_Die $done ) {
					return;
				}
			}
		);
		$json = json_decode( $output, true );
		$this->assertIsArray( $json, "WordPress answered JSON: $output" );
		return $json;
	}
}
