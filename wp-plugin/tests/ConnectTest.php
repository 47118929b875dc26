<?php
/**
 * Connect / disconnect / sender change against the contract (WOO_CONTRACT.md), with Sapa answered at
 * WordPress's HTTP layer.
 *
 * @package Sapa
 */

/**
 * Connection life cycle.
 */
class ConnectTest extends Sapa_Test_Case {

	const TOKEN = 'operator-connect-token-42';

	/**
	 * Connect form fields.
	 *
	 * @param array $changes Overrides.
	 * @return array
	 */
	private function connect_fields( array $changes = array() ) {
		return array_merge(
			array(
				'api_url'       => self::API_URL . '/',
				'connect_token' => self::TOKEN,
				'whatsapp_mode' => 'provision',
			),
			$changes
		);
	}

	/**
	 * Sapa's 201.
	 *
	 * @return array
	 */
	private function created() {
		return array(
			201,
			array(
				'store_id'        => '7d7e8f5a-1111-4222-8333-444455556666',
				'api_key'         => 'sapa_sk_NEWKEY_secret_part_9Z7Q',
				'whatsapp_number' => '+6281234567890',
				'sync'            => array( 'status' => 'pending' ),
			),
		);
	}

	/**
	 * WooCommerce key rows.
	 *
	 * @return array
	 */
	private function wc_keys() {
		global $wpdb;
		return $wpdb->get_results( "SELECT * FROM {$wpdb->prefix}woocommerce_api_keys", ARRAY_A );
	}

	public function test_connect_sends_the_contract_request_and_keeps_the_key_unautoloaded() {
		$admin = $this->as_admin();
		$this->answer_sapa(
			function () {
				return $this->created();
			}
		);

		$location = $this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertSame( admin_url( 'options-general.php?page=sapa' ), $location );

		$calls = $this->requests_to( 'POST', '/stores/connect' );
		$this->assertCount( 1, $calls );
		$this->assertCount( 1, $this->requests, 'exactly one HTTP request' );
		$this->assertSame( self::TOKEN, $calls[0]['headers']['X-Sapa-Connect-Token'] );
		$this->assertSame( 'application/json', $calls[0]['headers']['Content-Type'] );
		$this->assertArrayNotHasKey( 'Authorization', $calls[0]['headers'] );

		$body = json_decode( $calls[0]['body'], true );
		$this->assertSame( array( 'site_url', 'name', 'admin_email', 'currency', 'timezone', 'country', 'woocommerce', 'whatsapp' ), array_keys( $body ) );
		$this->assertSame( 'http://example.org', $body['site_url'] );
		$this->assertSame( 'Batik Sapa Test', $body['name'] );
		$this->assertSame( 'admin@example.org', $body['admin_email'] );
		$this->assertSame( 'IDR', $body['currency'] );
		$this->assertSame( 'Asia/Jakarta', $body['timezone'] );
		$this->assertSame( 'ID', $body['country'] );
		$this->assertSame( array( 'mode' => 'provision' ), $body['whatsapp'] );
		$this->assertMatchesRegularExpression( '/^ck_[0-9a-f]{40}$/', $body['woocommerce']['consumer_key'] );
		$this->assertMatchesRegularExpression( '/^cs_[0-9a-f]{40}$/', $body['woocommerce']['consumer_secret'] );

		// The key row as WooCommerce's WC_Auth writes it: the consumer key only as wc_api_hash.
		$keys = $this->wc_keys();
		$this->assertCount( 1, $keys );
		$this->assertSame( hash_hmac( 'sha256', $body['woocommerce']['consumer_key'], 'wc-api' ), $keys[0]['consumer_key'] );
		$this->assertSame( $body['woocommerce']['consumer_secret'], $keys[0]['consumer_secret'] );
		$this->assertSame( substr( $body['woocommerce']['consumer_key'], -7 ), $keys[0]['truncated_key'] );
		$this->assertSame( 'read_write', $keys[0]['permissions'] );
		$this->assertSame( (string) $admin, $keys[0]['user_id'] );

		$this->assertSame( 'sapa_sk_NEWKEY_secret_part_9Z7Q', Sapa_Options::api_key() );
		// Not autoloaded: stored as 'no' before WordPress 6.6, 'off' since.
		$this->assertContains( $this->option_row( Sapa_Options::API_KEY )['autoload'], array( 'no', 'off' ) );
		$this->assertContains( $this->option_row( Sapa_Options::CONNECTION )['autoload'], array( 'no', 'off' ) );
		$connection = Sapa_Options::connection();
		$this->assertSame( self::API_URL, $connection['api_url'] );
		$this->assertSame( '7d7e8f5a-1111-4222-8333-444455556666', $connection['store_id'] );
		$this->assertSame( '+6281234567890', $connection['whatsapp_number'] );
		$this->assertSame( (int) $keys[0]['key_id'], $connection['wc_key_id'] );
		$this->assertSame( '9Z7Q', $connection['api_key_last4'] );
		$this->assertStringNotContainsString( 'NEWKEY', wp_json_encode( $connection ), 'the key is not copied into the connection record' );
		$this->assertSame( 'success', Sapa_Notices::peek()[0]['type'] );
	}

	public function test_own_sender_is_sent_and_the_twilio_token_is_not_stored() {
		global $wpdb;
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return $this->created();
			}
		);
		$token = 'f00dfeedf00dfeedf00dfeedf00dfeed';
		$this->post_form(
			'sapa_connect',
			$this->connect_fields(
				array(
					'whatsapp_mode'      => 'own',
					'whatsapp_number'    => '+62 811-0000-0001',
					'twilio_account_sid' => 'AC' . str_repeat( 'ab12', 8 ),
					'twilio_auth_token'  => $token,
				)
			)
		);
		$body = json_decode( $this->requests_to( 'POST', '/stores/connect' )[0]['body'], true );
		$this->assertSame(
			array(
				'mode'               => 'own',
				'number'             => '+6281100000001',
				'twilio_account_sid' => 'AC' . str_repeat( 'ab12', 8 ),
				'twilio_auth_token'  => $token,
			),
			$body['whatsapp']
		);
		$this->assertSame( '0', $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_value LIKE %s", '%' . $token . '%' ) ) );
	}

	/**
	 * @dataProvider refusals
	 */
	public function test_a_refused_connect_keeps_nothing_and_says_why( $status, $detail, $expected_words ) {
		$this->as_admin();
		$this->answer_sapa(
			function () use ( $status, $detail ) {
				return array( $status, array( 'detail' => $detail ) );
			}
		);
		$this->post_form( 'sapa_connect', $this->connect_fields() );

		$this->assertCount( 1, $this->requests );
		$this->assertSame( array(), $this->wc_keys(), 'the WooCommerce key made for Sapa is deleted again' );
		$this->assertNull( $this->option_row( Sapa_Options::API_KEY ) );
		$this->assertNull( $this->option_row( Sapa_Options::CONNECTION ) );
		$notice = Sapa_Notices::peek()[0];
		$this->assertSame( 'error', $notice['type'] );
		$this->assertStringContainsString( $expected_words, $notice['message'] );
		$this->assertStringContainsString( $detail, $notice['message'] );
	}

	public function refusals() {
		return array(
			'registration closed' => array( 403, 'store registration is closed on this Sapa server', 'HTTP 403' ),
			'already connected'   => array( 409, 'the shop http://example.org is connected to Sapa already', 'HTTP 409' ),
			'keys rejected'       => array( 422, 'WooCommerce refused the REST API keys (401)', 'HTTP 422' ),
			'server error'        => array( 500, 'boom', 'HTTP 500' ),
		);
	}

	public function test_a_validation_error_list_is_shown_field_by_field() {
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array(
					422,
					array(
						'detail' => array(
							array(
								'loc'  => array( 'body', 'timezone' ),
								'msg'  => 'Value error, not an IANA time zone such as Asia/Jakarta',
								'type' => 'value_error',
							),
						),
					),
				);
			}
		);
		$this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertStringContainsString( 'HTTP 422): timezone: Value error, not an IANA time zone', Sapa_Notices::peek()[0]['message'] );
		$this->assertFalse( Sapa_Options::is_connected() );
	}

	/**
	 * @dataProvider timezones
	 */
	public function test_the_time_zone_sent_is_always_an_iana_name( $timezone_string, $gmt_offset, $expected ) {
		update_option( 'timezone_string', $timezone_string );
		update_option( 'gmt_offset', $gmt_offset );
		$this->assertSame( $expected, Sapa_Connection::timezone() );
	}

	public function timezones() {
		return array(
			'named zone'         => array( 'Asia/Jakarta', 0, 'Asia/Jakarta' ),
			'offset +7'          => array( '', 7, 'Etc/GMT-7' ),
			'offset -5'          => array( '', -5, 'Etc/GMT+5' ),
			'offset 0'           => array( '', 0, 'UTC' ),
			'half-hour offset'   => array( '', 5.5, 'UTC' ),
		);
	}

	public function test_an_empty_currency_or_country_is_left_out() {
		update_option( 'woocommerce_currency', '' );
		update_option( 'woocommerce_default_country', '' );
		$body = Sapa_Connection::connect_body(
			array(
				'consumer_key'    => 'ck_x',
				'consumer_secret' => 'cs_y',
			),
			array( 'mode' => 'provision' )
		);
		$this->assertArrayNotHasKey( 'currency', $body );
		$this->assertArrayNotHasKey( 'country', $body );
		$this->assertSame( 'Batik Sapa Test', $body['name'] );
	}

	public function test_unreachable_sapa_keeps_nothing() {
		$this->as_admin();
		add_filter(
			'pre_http_request',
			function () {
				return new WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect' );
			}
		);
		$this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertSame( array(), $this->wc_keys() );
		$this->assertFalse( Sapa_Options::is_connected() );
		$this->assertStringContainsString( 'Could not reach Sapa at https://sapa.example', Sapa_Notices::peek()[0]['message'] );
	}

	public function test_an_answer_without_api_key_keeps_nothing() {
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array( 201, array( 'store_id' => 'x' ) );
			}
		);
		$this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertSame( array(), $this->wc_keys() );
		$this->assertFalse( Sapa_Options::is_connected() );
	}

	/**
	 * @dataProvider bad_connect_input
	 */
	public function test_bad_input_sends_nothing_and_creates_no_key( array $changes ) {
		$this->as_admin();
		$this->post_form( 'sapa_connect', $this->connect_fields( $changes ) );
		$this->assertSame( array(), $this->requests );
		$this->assertSame( array(), $this->wc_keys() );
		$this->assertFalse( Sapa_Options::is_connected() );
		$this->assertSame( 'error', Sapa_Notices::peek()[0]['type'] );
	}

	public function bad_connect_input() {
		return array(
			'no url'              => array( array( 'api_url' => '' ) ),
			'plain http'          => array( array( 'api_url' => 'http://sapa.example' ) ),
			'javascript url'      => array( array( 'api_url' => 'javascript:alert(1)' ) ),
			'no token'            => array( array( 'connect_token' => '' ) ),
			'no sender mode'      => array( array( 'whatsapp_mode' => '' ) ),
			'own without details' => array( array( 'whatsapp_mode' => 'own' ) ),
			'own with bad sid'    => array(
				array(
					'whatsapp_mode'      => 'own',
					'whatsapp_number'    => '+6281100000001',
					'twilio_account_sid' => 'XX123',
					'twilio_auth_token'  => 'f00dfeedf00dfeedf00dfeedf00dfeed',
				),
			),
			'own with bad number' => array(
				array(
					'whatsapp_mode'      => 'own',
					'whatsapp_number'    => '0811',
					'twilio_account_sid' => 'AC' . str_repeat( 'ab12', 8 ),
					'twilio_auth_token'  => 'f00dfeedf00dfeedf00dfeedf00dfeed',
				),
			),
		);
	}

	public function test_plain_http_is_allowed_for_a_sapa_on_this_machine() {
		$this->assertSame( 'http://127.0.0.1:8000', Sapa_Connection::clean_api_url( 'http://127.0.0.1:8000/' ) );
		$this->assertSame( 'http://localhost:8000', Sapa_Connection::clean_api_url( ' http://localhost:8000 ' ) );
		$this->assertInstanceOf( WP_Error::class, Sapa_Connection::clean_api_url( 'http://10.0.0.5:8000' ) );
	}

	public function test_connect_is_refused_without_woocommerce() {
		unset( $GLOBALS['wp_actions']['woocommerce_loaded'] ); // restored after the test
		$this->assertFalse( Sapa_WooCommerce::is_active() );
		$this->as_admin();
		$this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertSame( array(), $this->requests );
		$this->assertSame( array(), $this->wc_keys() );
		$this->assertStringContainsString( 'WooCommerce is not active', Sapa_Notices::peek()[0]['message'] );
	}

	public function test_connect_needs_capability_and_nonce() {
		wp_set_current_user( $this->make_user( 'subscriber' ) );
		try {
			$this->post_form( 'sapa_connect', $this->connect_fields() );
			$this->fail( 'a subscriber connected the shop' );
		} catch ( Sapa_Test_Die $die ) {
			$this->assertSame( 403, $die->getCode() );
		}
		$this->as_admin();
		try {
			$this->post_form( 'sapa_connect', $this->connect_fields(), wp_create_nonce( 'sapa_save_settings' ) );
			$this->fail( 'connected with another form\'s nonce' );
		} catch ( Sapa_Test_Die $die ) {
			$this->assertSame( 403, $die->getCode() );
		}
		$this->assertSame( array(), $this->requests );
		$this->assertSame( array(), $this->wc_keys() );
	}

	public function test_connecting_twice_is_refused_locally() {
		$this->given_connected();
		$this->as_admin();
		$this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertSame( array(), $this->requests );
		$this->assertStringContainsString( 'already connected', Sapa_Notices::peek()[0]['message'] );
	}

	public function test_disconnect_calls_sapa_then_removes_the_key_and_the_connection() {
		$this->as_admin();
		$this->answer_sapa(
			function ( $method, $path ) {
				return '/stores/connect' === $path ? $this->created() : array( 204, null );
			}
		);
		$this->post_form( 'sapa_connect', $this->connect_fields() );
		$this->assertCount( 1, $this->wc_keys() );
		$settings_before = get_option( Sapa_Options::SETTINGS );

		$this->post_form( 'sapa_disconnect', array() );

		$calls = $this->requests_to( 'DELETE', '/stores/me' );
		$this->assertCount( 1, $calls );
		$this->assertSame( 'Bearer sapa_sk_NEWKEY_secret_part_9Z7Q', $calls[0]['headers']['Authorization'] );
		$this->assertSame( array(), $this->wc_keys() );
		$this->assertNull( $this->option_row( Sapa_Options::API_KEY ) );
		$this->assertNull( $this->option_row( Sapa_Options::CONNECTION ) );
		$this->assertSame( $settings_before, get_option( Sapa_Options::SETTINGS ), 'the button settings stay' );
		$this->assertSame( 'success', Sapa_Notices::peek()[1]['type'] );
	}

	public function test_reconnect_after_a_lost_connection_keeps_the_number_and_deletes_the_older_keys() {
		global $wpdb;
		$admin = $this->as_admin();
		// The connection was lost (a database restore, a reinstall): its key is still in WooCommerce.
		$old = Sapa_WooCommerce::create_api_key( $admin );
		$this->assertFalse( Sapa_Options::is_connected() );
		$this->answer_sapa(
			function () {
				return array(
					200,
					array(
						'store_id'        => '7d7e8f5a-1111-4222-8333-444455556666',
						'api_key'         => 'sapa_sk_RECONNECTED_key_part_Q7ZZ',
						'whatsapp_number' => '+6281234567890',
						'reconnected'     => true,
						'sync'            => array( 'status' => 'pending' ),
					),
				);
			}
		);
		$this->post_form( 'sapa_connect', $this->connect_fields() );

		$this->assertTrue( Sapa_Options::is_connected() );
		$connection = Sapa_Options::connection();
		$this->assertSame( '7d7e8f5a-1111-4222-8333-444455556666', $connection['store_id'] );
		$this->assertSame( '+6281234567890', $connection['whatsapp_number'] );
		$this->assertSame( 'sapa_sk_RECONNECTED_key_part_Q7ZZ', Sapa_Options::api_key() );
		$keys = $this->wc_keys();
		$this->assertSame( array( (string) $connection['wc_key_id'] ), array_column( $keys, 'key_id' ), 'only the new key is left' );
		$this->assertNotSame( $old['key_id'], $connection['wc_key_id'] );
		$notices = Sapa_Notices::peek();
		$this->assertSame( 'success', $notices[0]['type'] );
		$this->assertStringContainsString( 'Reconnected to Sapa: the same store as before, with the same WhatsApp number +6281234567890.', $notices[0]['message'] );
		$this->assertSame( 'info', $notices[1]['type'] );
		$this->assertStringContainsString( '1 older WooCommerce REST API key made for Sapa was deleted.', $notices[1]['message'] );

		$this->as_admin();
		$html = $this->capture( array( new Sapa_Settings_Page(), 'render' ) );
		$this->assertMatchesRegularExpression( '#<td id="sapa-whatsapp-number">\+6281234567890</td>#', $html );
	}

	public function test_older_keys_are_found_by_the_plugin_s_description_only() {
		global $wpdb;
		$this->as_admin();
		$wpdb->insert(
			$wpdb->prefix . 'woocommerce_api_keys',
			array(
				'user_id'         => 1,
				'description'     => 'Mobile app - API (2026-01-01 00:00:00)',
				'permissions'     => 'read',
				'consumer_key'    => str_repeat( 'a', 64 ),
				'consumer_secret' => 'cs_' . str_repeat( 'b', 40 ),
				'truncated_key'   => 'aaaaaaa',
			)
		);
		$sapa_old = Sapa_WooCommerce::create_api_key( 1 );
		$sapa_new = Sapa_WooCommerce::create_api_key( 1 );
		$this->assertSame( 1, Sapa_WooCommerce::delete_older_api_keys( $sapa_new['key_id'] ) );
		$descriptions = array_column( $this->wc_keys(), 'description' );
		$this->assertCount( 2, $descriptions );
		$this->assertContains( 'Mobile app - API (2026-01-01 00:00:00)', $descriptions );
		$this->assertNotContains( (string) $sapa_old['key_id'], array_column( $this->wc_keys(), 'key_id' ) );
	}

	public function test_disconnect_when_sapa_no_longer_knows_the_key_cleans_up_and_says_so() {
		$this->as_admin();
		$key = Sapa_WooCommerce::create_api_key( get_current_user_id() );
		$this->given_connected( '+6281100000001', $key['key_id'] );
		$this->answer_sapa(
			function () {
				return array( 401, array( 'detail' => 'missing, unknown or revoked API key' ) );
			}
		);
		$this->post_form( 'sapa_disconnect', array() );

		$this->assertCount( 1, $this->requests_to( 'DELETE', '/stores/me' ) );
		$this->assertSame( array(), $this->wc_keys() );
		$this->assertNull( $this->option_row( Sapa_Options::API_KEY ) );
		$this->assertNull( $this->option_row( Sapa_Options::CONNECTION ) );
		$notices = Sapa_Notices::peek();
		$this->assertCount( 1, $notices );
		$this->assertSame( 'warning', $notices[0]['type'] );
		$this->assertStringStartsWith( 'Sapa no longer knew this connection', $notices[0]['message'] );
		$this->assertStringNotContainsString( 'Disconnected from Sapa', $notices[0]['message'] );
	}

	public function test_a_second_disconnect_changes_nothing_and_says_there_was_nothing_to_do() {
		$this->as_admin();
		$this->post_form( 'sapa_disconnect', array() );
		$this->assertSame( array(), $this->requests );
		$notices = Sapa_Notices::peek();
		$this->assertSame( 'info', $notices[0]['type'] );
		$this->assertSame( 'This shop is not connected to Sapa: there was nothing to disconnect.', $notices[0]['message'] );
	}

	public function test_disconnect_when_sapa_is_down_still_cleans_up_and_says_what_is_left() {
		$this->as_admin();
		$key = Sapa_WooCommerce::create_api_key( get_current_user_id() );
		$this->given_connected( '+6281100000001', $key['key_id'] );
		$this->answer_sapa(
			function () {
				return array( 503, array( 'detail' => 'maintenance' ) );
			}
		);
		$this->post_form( 'sapa_disconnect', array() );

		$this->assertSame( array(), $this->wc_keys() );
		$this->assertFalse( Sapa_Options::is_connected() );
		$notice = Sapa_Notices::peek()[0];
		$this->assertSame( 'warning', $notice['type'] );
		$this->assertStringContainsString( 'Webhooks', $notice['message'] );
		$this->assertStringContainsString( 'maintenance', $notice['message'] );
	}

	public function test_disconnect_needs_capability_and_nonce() {
		$this->given_connected();
		wp_set_current_user( $this->make_user( 'author' ) );
		try {
			$this->post_form( 'sapa_disconnect', array() );
			$this->fail( 'an author disconnected the shop' );
		} catch ( Sapa_Test_Die $die ) {
			$this->assertSame( 403, $die->getCode() );
		}
		$this->as_admin();
		try {
			$this->post_form( 'sapa_disconnect', array(), 'forged' );
			$this->fail( 'disconnected with a forged nonce' );
		} catch ( Sapa_Test_Die $die ) {
			$this->assertSame( 403, $die->getCode() );
		}
		$this->assertSame( array(), $this->requests );
		$this->assertTrue( Sapa_Options::is_connected() );
	}

	public function test_changing_the_sender_puts_the_whatsapp_object_and_keeps_the_new_number() {
		$this->given_connected( null );
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array(
					200,
					array(
						'store_id'        => '00000000-0000-4000-8000-0000000000aa',
						'whatsapp_number' => '+6281100000009',
						'whatsapp_mode'   => 'own',
						'sync'            => array( 'status' => 'done' ),
					),
				);
			}
		);
		$this->post_form(
			'sapa_whatsapp',
			array(
				'whatsapp_mode'      => 'own',
				'whatsapp_number'    => '+6281100000009',
				'twilio_account_sid' => 'AC' . str_repeat( 'cd34', 8 ),
				'twilio_auth_token'  => 'secrettokensecrettoken',
			)
		);
		$calls = $this->requests_to( 'PUT', '/stores/me/whatsapp' );
		$this->assertCount( 1, $calls );
		$this->assertSame( 'Bearer ' . self::API_KEY, $calls[0]['headers']['Authorization'] );
		$this->assertSame( 'own', json_decode( $calls[0]['body'], true )['mode'] );
		$this->assertSame( '+6281100000009', Sapa_Options::connection()['whatsapp_number'] );
		$this->assertSame( 'own', Sapa_Options::connection()['whatsapp_mode'] );
	}
}
